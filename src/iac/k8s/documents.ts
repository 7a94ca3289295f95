import { Composer, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node } from 'yaml';
import type { K8sObject } from '../../rules/types.js';
import { mergeSuppressions, parseIgnoreComment, type Suppressions } from '../../rules/suppressions.js';
import { IacParseError, looksBinary } from '../text.js';

/**
 * Reads Kubernetes manifests from YAML, keeping enough of the syntax tree to
 * turn a path inside an object into a 1-based line range, and collecting the
 * `# openhss:ignore` comments that apply to each object.
 */
export type Path = Array<string | number>;

export interface YamlResource {
  object: K8sObject;
  /** Where the object sits in its document: [] or ['items', n] for List items. */
  prefix: Path;
  /** Suppressions from comments in the object's part of the document. */
  suppressions: Suppressions;
  /** 1-based line range of the given path within this object (nearest existing ancestor if the path is absent). */
  lines(path: Path): { startLine: number; endLine: number };
}

interface Span {
  start: number;
  end: number;
}

function isObject(value: unknown): value is K8sObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isListKind(object: K8sObject): boolean {
  return typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items);
}

function nodeSpan(node: Node | null | undefined): Span | undefined {
  const range = node?.range;
  return range === undefined || range === null ? undefined : { start: range[0], end: range[1] };
}

/** The span of the deepest node on the path; a map entry spans from its key to the end of its value. */
function spanAt(doc: Document, path: Path): Span | undefined {
  let node: unknown = doc.contents;
  let span = nodeSpan(doc.contents);
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (pair === undefined) {
        // An inherited key: point at the `<<: *anchor` entry it comes from.
        const merge = node.items.find((p) => isMergeKey(p.key));
        const mergeSpan = nodeSpan(merge?.key as Node | undefined);
        if (merge !== undefined && mergeSpan !== undefined) span = { start: mergeSpan.start, end: nodeSpan(merge.value as Node | null)?.end ?? mergeSpan.end };
        break;
      }
      const keySpan = nodeSpan(pair.key as Node);
      const valueSpan = nodeSpan(pair.value as Node | null);
      if (keySpan === undefined) break;
      span = { start: keySpan.start, end: valueSpan?.end ?? keySpan.end };
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step] as Node | undefined;
      const itemSpan = nodeSpan(item);
      if (itemSpan === undefined) break;
      span = itemSpan;
      node = item;
    } else {
      break;
    }
  }
  return span;
}

/** A `<<` merge key (the yaml library gives it a symbol value). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.source === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<'));
}

/**
 * The first key repeated within one map, in one pass with a set per map. `<<`
 * merge keys may repeat: each merges its own aliases.
 */
function duplicateKey(root: unknown): { key: string; offset: number } | undefined {
  const stack: unknown[] = [root];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (seen.has(node)) continue;
    seen.add(node);
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isMergeKey(key)) {
          stack.push(pair.value);
          continue;
        }
        if (isScalar(key)) {
          const text = String(key.value);
          if (keys.has(text)) return { key: text, offset: key.range?.[0] ?? 0 };
          keys.add(text);
        } else if (key !== null) {
          stack.push(key);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return undefined;
}

interface CommentAt {
  line: number;
  suppressions: Suppressions;
}

function ignoreComments(content: string): CommentAt[] {
  const out: CommentAt[] = [];
  if (!/openhss:ignore/i.test(content)) return out;
  content.split(/\r?\n/).forEach((text, index) => {
    const hash = /(?:^|\s)#(.*)$/.exec(text);
    const parsed = hash === null ? undefined : parseIgnoreComment(hash[1] ?? '');
    if (parsed !== undefined) out.push({ line: index + 1, suppressions: parsed });
  });
  return out;
}

/**
 * The objects of a manifest file, document by document: each document's
 * syntax tree is built only when the previous one has been handed out, so a
 * caller that drops a resource lets its tree go (a 2 MiB bundle is never held
 * as one tree).
 */
export function* k8sYamlResources(content: string): Generator<YamlResource> {
  if (looksBinary(content)) throw new IacParseError('not a text file (binary content)');
  const lineCounter = new LineCounter();
  // Duplicate keys are checked by duplicateKey() below: the library's own check is quadratic in the size of a map.
  const composer = new Composer({ uniqueKeys: false, merge: true });
  const docs = composer.compose(new Parser(lineCounter.addNewLine).parse(content));
  const comments = ignoreComments(content);
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  /** Lines of a span, ignoring the trailing newlines and indentation a block value's range includes. */
  const toLines = (span: Span) => {
    let end = span.end;
    while (end > span.start && /\s/.test(content[end - 1] ?? '')) end--;
    return { startLine: lineOf(span.start), endLine: lineOf(Math.max(span.start, end - 1)) };
  };

  let regionStart = 0;
  let docIndex = -1;
  for (const doc of docs) {
    docIndex++;
    const error = doc.errors[0];
    if (error !== undefined) {
      const pos = lineCounter.linePos(error.pos[0]);
      const where = `line ${pos.line}, column ${pos.col}: `;
      throw new IacParseError(`YAML syntax error in document ${docIndex + 1}: ${where}${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? ''}`);
    }
    const duplicate = duplicateKey(doc.contents);
    if (duplicate !== undefined) {
      const pos = lineCounter.linePos(duplicate.offset);
      throw new IacParseError(`YAML syntax error in document ${docIndex + 1}: line ${pos.line}, column ${pos.col}: Map keys must be unique (${duplicate.key})`);
    }
    // Comments above a document (after the previous one ends) belong to it.
    const region = { start: lineOf(regionStart), end: toLines({ start: regionStart, end: doc.range[2] }).endLine };
    regionStart = doc.range[2];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new IacParseError(`YAML document ${docIndex + 1}: ${(e as Error).message}`);
    }
    if (!isObject(value)) continue;
    const docSpan = nodeSpan(doc.contents) ?? { start: doc.range[0], end: doc.range[1] };
    const docComments = comments.filter((c) => c.line >= region.start && c.line <= region.end);

    const make = (object: K8sObject, prefix: Path, own: CommentAt[]): YamlResource => ({
      object,
      prefix,
      suppressions: mergeSuppressions(...own.map((c) => c.suppressions)),
      lines: (path) => toLines(spanAt(doc, [...prefix, ...path]) ?? docSpan),
    });

    if (!isListKind(value)) {
      if (typeof value.kind === 'string') yield make(value, [], docComments);
      continue;
    }
    // In a List, a comment inside an item, or just above it, is that item's; comments before the items are everyone's.
    const items = (value.items as unknown[]).map((item, i) => ({ item, i, lines: toLines(spanAt(doc, ['items', i]) ?? docSpan) }));
    const itemsKeyLine = toLines(spanAt(doc, ['items']) ?? docSpan).startLine;
    const shared = docComments.filter((c) => c.line < itemsKeyLine || items.every((it) => c.line > it.lines.endLine));
    for (const [n, { item, i, lines }] of items.entries()) {
      if (!isObject(item) || typeof item.kind !== 'string') continue;
      const previousEnd = n === 0 ? itemsKeyLine : (items[n - 1]?.lines.endLine ?? itemsKeyLine);
      const own = docComments.filter((c) => c.line > previousEnd && c.line <= lines.endLine);
      yield make(item, ['items', i], [...own, ...shared]);
    }
  }
}

export function parseK8sYaml(content: string): YamlResource[] {
  return [...k8sYamlResources(content)];
}

/**
 * The suppression syntax shared by IaC comments and Kubernetes annotations:
 *
 *   # openhss:ignore K8S005 reason: needs host network for CNI
 *   # openhss:ignore DF002,DF011 reason: base image pinned by the build system
 *   metadata.annotations["openhss.io/ignore"]: "K8S005: CNI plugin; K8S001: same"
 *
 * A reason is optional (it is then recorded as ""), matching hadolint,
 * Checkov and Trivy, so a suppression never silently fails to apply; reports
 * show the empty reason for review.
 */
export type Suppressions = Map<string, string>;

export const IGNORE_ANNOTATION = 'openhss.io/ignore';

const IDS = '[A-Za-z][A-Za-z0-9._-]*(?:\\s*,\\s*[A-Za-z][A-Za-z0-9._-]*)*';
const COMMENT = new RegExp(`openhss:ignore\\s+(${IDS})(.*)$`, 'i');

function cleanReason(text: string): string {
  return text.trim().replace(/^(reason\s*[:=]|--|-|:)\s*/i, '').trim();
}

function splitIds(ids: string): string[] {
  return ids.split(',').map((id) => id.trim().toUpperCase()).filter((id) => id.length > 0);
}

/** Parses the text of one comment (without the leading #); undefined when it is no suppression. */
export function parseIgnoreComment(text: string): Suppressions | undefined {
  const match = COMMENT.exec(text);
  if (match === null) return undefined;
  const reason = cleanReason(match[2] ?? '');
  return new Map(splitIds(match[1] ?? '').map((id) => [id, reason]));
}

/** Parses the openhss.io/ignore annotation value: entries "ID[,ID]: reason" separated by ; or newlines. */
export function parseIgnoreAnnotation(value: string): Suppressions {
  const out: Suppressions = new Map();
  for (const entry of value.split(/[;\n]/)) {
    const match = new RegExp(`^\\s*(${IDS})\\s*(.*)$`).exec(entry);
    if (match === null) continue;
    const reason = cleanReason(match[2] ?? '');
    for (const id of splitIds(match[1] ?? '')) out.set(id, reason);
  }
  return out;
}

export function mergeSuppressions(...sets: Array<Suppressions | undefined>): Suppressions {
  const out: Suppressions = new Map();
  for (const set of sets) for (const [id, reason] of set ?? []) if (!out.has(id)) out.set(id, reason);
  return out;
}

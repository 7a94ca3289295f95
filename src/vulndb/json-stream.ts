/**
 * Streams the members of a top-level JSON object (`{"k1": v1, "k2": v2, …}`) one at a time,
 * so a large feed (the Debian tracker's JSON is tens of megabytes) is parsed member by member
 * and never held whole in memory. Each value is handed to JSON.parse on its own.
 */

const enum State {
  BeforeRoot,
  ExpectKeyOrEnd,
  ExpectKey,
  Key,
  ExpectColon,
  ExpectValue,
  Value,
  Done,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}

export class JsonStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonStreamError';
  }
}

/** Yields `[key, parsedValue]` for each member of the top-level object; throws on malformed or truncated input. */
export async function* objectMembers(chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<[string, unknown]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let state = State.BeforeRoot;
  let keyParts: string[] = [];
  let valueParts: string[] = [];
  let key = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let offset = 0;

  const finishKey = (raw: string): string => {
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      throw new JsonStreamError(`malformed key near byte ${offset}`);
    }
  };
  const parseValue = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new JsonStreamError(`malformed value of "${key}": ${(err as Error).message}`);
    }
  };

  const scan = function* (text: string): Generator<[string, unknown]> {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      switch (state) {
        case State.BeforeRoot:
          if (isSpace(c)) continue;
          if (c !== OPEN_BRACE) throw new JsonStreamError('expected a JSON object');
          state = State.ExpectKeyOrEnd;
          continue;
        case State.ExpectKeyOrEnd:
        case State.ExpectKey:
          if (isSpace(c)) continue;
          if (c === CLOSE_BRACE && state === State.ExpectKeyOrEnd) {
            state = State.Done;
            continue;
          }
          if (c !== QUOTE) throw new JsonStreamError(`expected a key near byte ${offset + i}`);
          state = State.Key;
          keyParts = [];
          start = i + 1;
          escaped = false;
          continue;
        case State.Key:
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) {
            keyParts.push(text.slice(start, i));
            key = finishKey(keyParts.join(''));
            state = State.ExpectColon;
          }
          continue;
        case State.ExpectColon:
          if (isSpace(c)) continue;
          if (c !== COLON) throw new JsonStreamError(`expected ":" after "${key}"`);
          state = State.ExpectValue;
          continue;
        case State.ExpectValue:
          if (isSpace(c)) continue;
          state = State.Value;
          valueParts = [];
          start = i;
          depth = 0;
          inString = false;
          escaped = false;
          i--; // scan this character as part of the value
          continue;
        case State.Value:
          if (inString) {
            if (escaped) escaped = false;
            else if (c === BACKSLASH) escaped = true;
            else if (c === QUOTE) inString = false;
            continue;
          }
          if (c === QUOTE) inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
          else if (c === CLOSE_BRACKET) depth--;
          else if (c === CLOSE_BRACE) {
            if (depth === 0) {
              valueParts.push(text.slice(start, i));
              yield [key, parseValue(valueParts.join(''))];
              valueParts = [];
              state = State.Done;
            } else depth--;
          } else if (c === COMMA && depth === 0) {
            valueParts.push(text.slice(start, i));
            yield [key, parseValue(valueParts.join(''))];
            valueParts = [];
            state = State.ExpectKey;
          }
          continue;
        case State.Done:
          if (!isSpace(c)) throw new JsonStreamError('unexpected data after the end of the JSON object');
          continue;
      }
    }
    if (state === State.Key) keyParts.push(text.slice(start));
    else if (state === State.Value) valueParts.push(text.slice(start));
  };

  for await (const chunk of chunks) {
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new JsonStreamError(`invalid UTF-8 near byte ${offset}`);
    }
    yield* scan(text);
    offset += text.length;
  }
  if ((state as State) !== State.Done) throw new JsonStreamError('truncated JSON: the top-level object never ends');
}

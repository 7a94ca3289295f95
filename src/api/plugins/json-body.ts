import type { FastifyInstance } from 'fastify';
import { inInt64 } from '../validation.js';

/** What an integer literal beyond int64 becomes: a number every int64 field refuses, with the field named. */
const OUT_OF_INT64 = '1e300';

/**
 * Rewrites the integer literals of a JSON text that lie outside int64 as
 * ±1e300. JSON.parse would round them to a double an HSS Long accepts
 * (2^63 and 2^63-1 are the same double); rewritten, they fail validation
 * instead. Strings are left alone.
 */
export function markOutOfRangeIntegers(text: string): string {
  if (!/\d{19}/.test(text)) return text;
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    const token = /^-?\d[\d.eE+-]*/.exec(text.slice(i, i + 64))?.[0];
    if (!token) continue;
    if (/^-?\d{19,}$/.test(token) && !inInt64(token)) {
      out += text.slice(last, i) + (token.startsWith('-') ? '-' : '') + OUT_OF_INT64;
      last = i + token.length;
    }
    i += token.length - 1;
  }
  return out + text.slice(last);
}

/**
 * The API's JSON parser: Fastify's own (with its prototype-poisoning
 * checks), after out-of-range integers are marked. Only JSON is parsed:
 * Fastify's text/plain parser is removed, so any other Content-Type on a
 * route that takes a body is HSS.0002 (see the error handler).
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => parse(request, markOutOfRangeIntegers(body as string), done));
}

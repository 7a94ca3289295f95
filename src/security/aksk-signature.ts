import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verification of Huawei Cloud's `SDK-HMAC-SHA256` request signatures,
 * computed the way the official SDKs sign:
 *
 *   canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n hex(sha256(body))
 *   string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(canonical request))
 *   signature         = hex(hmac-sha256(SK, string to sign))
 *
 * The canonical forms are rebuilt from the request exactly as received.
 */

export const SDK_ALGORITHM = 'SDK-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received (Node's `req.url`), never decoded or normalised. */
  rawUrl: string;
  /** Lower-cased header names, as Node delivers them. */
  headers: Record<string, string | string[] | undefined>;
  /** The body bytes as received; empty when there is none. */
  body: Buffer;
}

export interface ParsedAuthorization {
  accessKey: string;
  /** Lower-cased, in the order the client listed them (the order it signed them in). */
  signedHeaders: string[];
  signature: string;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const AUTHORIZATION = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** HTTP's optional whitespace around a value; Node strips it on receipt, the Go, Java and Python signers before signing. */
const OWS = /^[ \t]+|[ \t]+$/g;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Reads `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`; null when it is not that. */
export function parseSdkAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (typeof header !== 'string' || header.length > 8192) return null;
  const match = AUTHORIZATION.exec(header.trim());
  if (!match) return null;
  const signedHeaders = match[2]!.toLowerCase().split(';');
  if (!signedHeaders.every((h) => HEADER_NAME.test(h)) || new Set(signedHeaders).size !== signedHeaders.length) return null;
  return { accessKey: match[1]!, signedHeaders, signature: match[3]!.toLowerCase() };
}

/** Percent-encodes everything but the RFC 3986 unreserved characters, as the SDK signer does. */
export function encodeUnreserved(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function safeEncode(value: string): string {
  try {
    return encodeUnreserved(value);
  } catch {
    // A lone surrogate cannot be encoded; keep it as sent, so the signature simply fails.
    return value;
  }
}

/** Each raw path segment encoded once more (the signer encodes the already-escaped path), plus a trailing slash. */
export function canonicalUri(rawPath: string): string {
  const encoded = rawPath.split('/').map(safeEncode).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Keys and values decoded, re-encoded with the unreserved-only encoder, sorted by key then value. */
export function canonicalQuery(rawQuery: string): string {
  const pairs = rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part): [string, string] => {
      const eq = part.indexOf('=');
      return eq === -1 ? [safeDecode(part), ''] : [safeDecode(part.slice(0, eq)), safeDecode(part.slice(eq + 1))];
    });
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${safeEncode(k)}=${safeEncode(v)}`).join('&');
}

/** Own properties only: `constructor` or `__proto__` in SignedHeaders must not reach Object.prototype. */
function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const value = headers[name];
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : undefined;
}

/** Parses `YYYYMMDDTHHMMSSZ` into epoch ms, or null (also for impossible dates such as 20261131T000000Z). */
export function parseSdkDate(value: string | undefined): number | null {
  const m = value ? SDK_DATE.exec(value) : null;
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(ms)) return null;
  const back = new Date(ms).toISOString();
  return back === `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` ? ms : null;
}

/**
 * The canonical request for the given signed headers, their header block in
 * `headerOrder` (by default the order of SignedHeaders); `{ missing }` when a
 * signed header is absent. Header values lose surrounding spaces and tabs.
 */
export function canonicalRequest(req: SignedRequest, signedHeaders: readonly string[], headerOrder: readonly string[] = signedHeaders): string | { missing: string } {
  const queryStart = req.rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? req.rawUrl : req.rawUrl.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : req.rawUrl.slice(queryStart + 1);
  let headerBlock = '';
  for (const name of headerOrder) {
    const value = headerValue(req.headers, name);
    if (value === undefined) return { missing: name };
    headerBlock += `${name}:${value.replace(OWS, '')}\n`;
  }
  return [
    req.method.toUpperCase(),
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    headerBlock,
    signedHeaders.join(';'),
    payloadHash(req, signedHeaders),
  ].join('\n');
}

/**
 * The body's SHA-256, or, when the client signed an `X-Sdk-Content-Sha256`
 * header, that header's value: the SDKs send `UNSIGNED-PAYLOAD` there for
 * non-JSON (multipart) bodies. A hex hash given there must still match the body.
 */
function payloadHash(req: SignedRequest, signedHeaders: readonly string[]): string {
  const declared = signedHeaders.includes('x-sdk-content-sha256') ? headerValue(req.headers, 'x-sdk-content-sha256')?.trim() : undefined;
  return declared === UNSIGNED_PAYLOAD ? declared : createHash('sha256').update(req.body).digest('hex');
}

/**
 * The orders a header block may be written in: SignedHeaders' own (Go, Java,
 * Python), and the Node SDK's, which sorts the block with localeCompare but
 * the SignedHeaders list by code unit (they differ once a name has `_`).
 */
const nodeSdkCollator = new Intl.Collator('en');
function headerOrders(signedHeaders: readonly string[]): Array<readonly string[]> {
  const byLocale = [...signedHeaders].sort(nodeSdkCollator.compare);
  return byLocale.every((name, i) => name === signedHeaders[i]) ? [signedHeaders] : [signedHeaders, byLocale];
}

function describeSkew(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} seconds` : `${Math.round(seconds / 60)} minutes`;
}

/** Checks a request's signature against the access key's secret, and its date against the clock. */
export function verifySdkSignature(req: SignedRequest, auth: ParsedAuthorization, secretKey: string, now: Date, maxSkewSeconds: number): SignatureCheck {
  const date = headerValue(req.headers, 'x-sdk-date');
  const signedAt = parseSdkDate(date);
  if (signedAt === null) return { ok: false, reason: 'X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ' };
  const skewSeconds = Math.abs(now.getTime() - signedAt) / 1000;
  if (!(skewSeconds <= maxSkewSeconds)) return { ok: false, reason: `X-Sdk-Date is ${describeSkew(skewSeconds)} off the server clock` };
  if (!auth.signedHeaders.includes('host')) return { ok: false, reason: 'the host header must be signed' };
  const given = Buffer.from(auth.signature, 'utf8');
  let matched = false;
  for (const order of headerOrders(auth.signedHeaders)) {
    const canonical = canonicalRequest(req, auth.signedHeaders, order);
    if (typeof canonical !== 'string') return { ok: false, reason: `signed header ${canonical.missing} is missing` };
    const stringToSign = `${SDK_ALGORITHM}\n${date}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const expected = Buffer.from(createHmac('sha256', secretKey).update(stringToSign).digest('hex'), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token asserts. Everything a request needs is inside, so verification needs no database. */
export interface TokenClaims {
  /** user id */
  sub: string;
  userName: string;
  domainId: string;
  domainName: string;
  projectId: string;
  projectName: string;
  /** Enterprise projects granted to the user when the token was issued. */
  eps: string[];
  methods: string[];
  /** issued at, epoch ms */
  iat: number;
  /** expires at, epoch ms */
  exp: number;
}

const PREFIX = 'ohss1';

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/**
 * HMAC-signed bearer tokens (`ohss1.<claims>.<mac>`), verified by signature
 * alone. Revocation therefore waits for expiry; disabling a credential or
 * user stops new tokens being issued.
 */
export class TokenSigner {
  constructor(private readonly key: Buffer) {}

  sign(claims: TokenClaims): string {
    const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${PREFIX}.${body}.${this.mac(body)}`;
  }

  verify(token: string, now: number): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.mac(parts[1]), 'utf8');
    const given = Buffer.from(parts[2], 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(`${PREFIX}.${body}`).digest('base64url');
  }
}

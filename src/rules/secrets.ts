/**
 * Heuristics shared by the Dockerfile and Kubernetes "secret in plain text"
 * rules. Names are split into words so PASSTHROUGH or MONKEY do not match, and
 * names that only point at a secret (…_FILE, …_PATH) or hold public key
 * material (GPG_KEY in official images) are left alone.
 */
const SECRET_WORDS = new Set([
  'password', 'passwd', 'pass', 'pwd', 'passphrase', 'secret', 'secrets', 'token', 'credential', 'credentials',
  'apikey', 'privatekey', 'accesskey', 'secretkey',
]);
/** "key" alone is too common (KEY_ID, KEYCLOAK_URL); these words make it a secret key. */
const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'secret', 'signing', 'encryption', 'master', 'auth', 'client', 'license', 'app']);
const NOT_SECRET_WORDS = new Set([
  'gpg', 'pgp', 'public', 'pub', 'fingerprint', 'keyring', 'keyserver', 'file', 'path', 'dir', 'url', 'uri', 'host',
  'port', 'user', 'username', 'name', 'id', 'length', 'ttl', 'timeout', 'expiry', 'expiration', 'header', 'type',
  'field', 'endpoint', 'policy', 'mode', 'ref', 'version', 'algorithm', 'format', 'enable', 'enabled', 'disable',
  'disabled', 'require', 'required', 'allow', 'allowed', 'min', 'max', 'rotation', 'reset',
]);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

export function looksLikeSecretName(name: string): boolean {
  const parts = words(name);
  if (parts.some((w) => NOT_SECRET_WORDS.has(w))) return false;
  return parts.some((w, i) => {
    if (SECRET_WORDS.has(w)) return true;
    if (w !== 'key') return false;
    return parts.length === 1 || KEY_QUALIFIERS.has(parts[i - 1] ?? '');
  });
}

/** Values that are unmistakably credentials, whatever the variable is called. */
const SECRET_VALUE_PATTERNS: readonly RegExp[] = [
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, // GitHub token
  /\bglpat-[A-Za-z0-9_-]{20,}\b/, // GitLab token
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack token
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

export function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE_PATTERNS.some((p) => p.test(value));
}

/**
 * A literal the image or manifest would carry in clear text: not empty and
 * not a reference to another variable ($VAR, ${VAR}, Kubernetes $(VAR)),
 * since a reference leaves the secret outside the file.
 */
export function isLiteralValue(value: string): boolean {
  const v = value.trim().replace(/^(["'])(.*)\1$/, '$2');
  if (v === '') return false;
  // Flags such as ENABLE_PASSWORD_AUTH=true configure a secret, they are not one.
  if (/^(true|false|yes|no|on|off)$/i.test(v)) return false;
  if (/^\$(\{[^}]*\}|\([^)]*\)|[A-Za-z_][A-Za-z0-9_]*)$/.test(v)) return false;
  return true;
}

/** Why a name=value pair looks like a plain-text secret, or undefined. */
export function plainSecretReason(name: string, value: string): string | undefined {
  if (looksLikeSecretValue(value)) return `the value of ${name} looks like a credential`;
  if (looksLikeSecretName(name) && isLiteralValue(value)) return `${name} is set to a literal value`;
  return undefined;
}

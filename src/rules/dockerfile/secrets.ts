import { instructionWords, shellText, type Instruction } from '../../iac/dockerfile/parse.js';
import { isLiteralValue, looksLikeSecretName, looksLikeSecretValue, plainSecretReason } from '../secrets.js';
import type { DockerfileRule } from './rule.js';
import { runInstructions } from './rule.js';
import { programs } from './shell.js';
import { copySources } from './sources.js';

/**
 * Secrets in ENV or ARG end up in the image config or build history, readable
 * by anyone who pulls the image; so do credential files copied into a layer
 * and keys a RUN reads from one.
 */
const SECRETS_DOC = 'https://docs.docker.com/build/building/secrets/';

/** The name=value pairs of ENV and ARG, in both ENV forms (ENV A=1 B="2" and the legacy ENV A 1); an ARG without a default has value undefined. */
export function assignments(instruction: Instruction): Array<[string, string | undefined]> {
  const text = instruction.rest.trim();
  if (instruction.keyword === 'ENV' && /^[A-Za-z_][A-Za-z0-9_.-]*\s/.test(text) && !/^[^\s=]+=/.test(text)) {
    const [, name = '', value = ''] = /^(\S+)\s+([\s\S]*)$/.exec(text) ?? [];
    return [[name, value]];
  }
  const out: Array<[string, string | undefined]> = [];
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_.-]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    if (m[2] !== undefined) out.push([m[1] ?? '', m[2].replace(/^(["'])([\s\S]*)\1$/, '$2')]);
    else if (instruction.keyword === 'ARG') out.push([m[1] ?? '', undefined]);
  }
  return out;
}

/** Jenkins' credentials() gives FOO_USR and FOO_PSW; PWORD is another common spelling. */
function secretName(name: string): boolean {
  return looksLikeSecretName(name) || /(^|_)(PSW|PWORD)(_|$)/i.test(name);
}

const COMMON_DIRS = /^\/(run|etc|var|app|apps|home|root|opt|usr|srv|tmp|secrets?|config|data|workspace|code|src|build|certs?|keys?|credentials?)(\/|$)/;

/**
 * A value that names a file (GOOGLE_APPLICATION_CREDENTIALS=/secrets/sa.json):
 * it points at a credential without being one.
 */
function looksLikePath(value: string): boolean {
  const v = value.trim();
  if (!/^(~|\.{1,2})?(\/[\w.@+-]+)+\/?$/.test(v) && !/^[\w.-]+\.(json|pem|crt|key|p12|pfx|ya?ml|ini|cfg|conf|toml|txt)$/.test(v)) return false;
  return /^(~|\.{1,2})\//.test(v) || COMMON_DIRS.test(v) || /\.[A-Za-z]{2,5}$/.test(v);
}

function secretReason(instruction: Instruction, name: string, value: string | undefined): string | undefined {
  if (value === undefined) return secretName(name) ? `ARG ${name} takes a secret as a build argument, and build arguments are recorded in the image history` : undefined;
  if (!looksLikeSecretValue(value) && looksLikePath(value)) return undefined;
  const reason = plainSecretReason(name, value) ?? (secretName(name) && isLiteralValue(value) ? `${name} is set to a literal value` : undefined);
  return reason === undefined ? undefined : `${instruction.keyword} ${reason}`;
}

/** Files that hold credentials by their well-known names (registry tokens, SSH private keys, cloud credentials). */
const CREDENTIAL_FILES: readonly RegExp[] = [
  /(^|\/)\.npmrc$/, /(^|\/)\.yarnrc\.yml$/, /(^|\/)\.pypirc$/, /(^|\/)[._]netrc$/, /(^|\/)\.git-credentials$/, /(^|\/)\.pgpass$/,
  /(^|\/)\.dockercfg$/, /(^|\/)\.docker\/config\.json$/, /(^|\/)\.aws\/credentials$/, /(^|\/)credentials(\.json)?$/,
  /(^|\/)id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/, /\.(ppk|p12|pfx)$/i, /(^|\/)[^/]*private[-_.]?key[^/]*$/i,
  /(^|\/)\.kube\/config$/, /(^|\/)\.config\/gcloud\/application_default_credentials\.json$/,
];

/** A credential file by name; a source may also be a whole ~/.ssh directory (a destination there may be known_hosts). */
function isCredentialFile(path: string, source: boolean): boolean {
  const p = path.replace(/^\.\//, '').replace(/\/+$/, '');
  return CREDENTIAL_FILES.some((re) => re.test(p)) || (source && /(^|\/)\.ssh$/.test(p));
}

/** Variables that name a credential file (the file is the secret, the variable only points at it). */
const CREDENTIAL_FILE_VARIABLES = new Set(['GOOGLE_APPLICATION_CREDENTIALS', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'HF_TOKEN_PATH', 'KUBECONFIG', 'DOCKER_AUTH_CONFIG_FILE']);

const basename = (path: string): string => path.replace(/\/+$/, '').replace(/^.*\//, '');

/** [variable, path] for each credential-file variable a stage sets with ENV or ARG. */
function credentialFilePaths(instructions: readonly Instruction[]): Array<[string, string]> {
  return instructions
    .filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')
    .flatMap((i) => assignments(i).flatMap(([name, value]): Array<[string, string]> => (CREDENTIAL_FILE_VARIABLES.has(name) && value !== undefined && looksLikePath(value) ? [[name, value]] : [])));
}

function hasSecretMount(instruction: Instruction): boolean {
  const flagText = instruction.args.slice(0, instruction.args.length - instruction.rest.length);
  return /--mount=(\S*,)?type=secret\b/.test(flagText);
}

/** Command lines that read a private key or credential from a file in the image, or log in with one. */
function keyUse(text: string): string | undefined {
  if (/\bGIT_SSH_COMMAND=["']?[^"'\n]*\s-i\s/.test(text)) return 'GIT_SSH_COMMAND uses ssh -i with a key file';
  if (/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:[^\s/@"']+@/i.test(text)) return 'a URL carries a user name and password or token';
  for (const p of programs(text)) {
    const args = p.args;
    const value = (...names: string[]) => args.find((a, i) => names.includes(args[i - 1] ?? '') || names.some((n) => a.startsWith(`${n}=`)));
    if (['ssh', 'scp', 'sftp'].includes(p.name) && args.includes('-i')) return `${p.name} -i ${value('-i') ?? ''} reads a private key from the image`;
    if (p.name === 'ssh-add' && args.some((a) => !a.startsWith('-'))) return `ssh-add loads ${args.filter((a) => !a.startsWith('-')).join(' ')} from the image`;
    if (/^gpg2?$/.test(p.name) && (args.includes('--allow-secret-key-import') || (args.includes('--import') && args.some((a) => !a.startsWith('-') && /priv|secret|\.ppk$/i.test(a))))) {
      return 'gpg imports a private key from the image';
    }
    if (p.name === 'aws' && args[0] === 'configure' && args[1] === 'set' && /^aws_(access_key_id|secret_access_key|session_token)$/.test(args[2] ?? '')) return `aws configure set ${args[2] ?? ''} writes a credential into the image`;
    if (p.name === 'gcloud' && args.join(' ').includes('auth activate-service-account')) return 'gcloud auth activate-service-account stores a service account key in the image';
    if (p.name === 'az' && args[0] === 'login' && value('-p', '--password', '--federated-token') !== undefined) return 'az login with a password or token';
    if (p.name === 'doctl' && args[0] === 'auth' && value('-t', '--access-token') !== undefined) return 'doctl auth init with an access token';
    if (p.name === 'docker' && args[0] === 'login' && value('-p', '--password') !== undefined) return 'docker login with a password on the command line';
  }
  return undefined;
}

export const SECRET_RULES: readonly DockerfileRule[] = [
  {
    id: 'DF005',
    title: 'Secret in ENV or ARG',
    severity: 'high',
    description: 'ENV values are stored in the image configuration and ARG values in the build history; a password, token or key set there, or passed as a build argument (ARG GITHUB_TOKEN), is readable by anyone who can pull the image. A path to a credential file (GOOGLE_APPLICATION_CREDENTIALS=/secrets/sa.json) is not itself a secret.',
    remediation: 'Pass secrets at build time with RUN --mount=type=secret, and at run time through the orchestrator\'s secret store.',
    references: [SECRETS_DOC, 'https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/'],
    check: (dockerfile) =>
      dockerfile.instructions
        .filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')
        .flatMap((i) =>
          assignments(i).flatMap(([name, value]) => {
            const reason = secretReason(i, name, value);
            return reason === undefined ? [] : [{ message: reason, instruction: i }];
          }),
        ),
  },
  {
    id: 'DF032',
    title: 'Credential file copied into the image',
    severity: 'high',
    description: 'COPY or ADD of a credential file (.npmrc, .netrc, .pypirc, an SSH private key, .aws/credentials, a registry config, or the file GOOGLE_APPLICATION_CREDENTIALS or a similar variable of the stage points at) stores it in a layer; deleting it in a later step does not remove it from the image.',
    remediation: 'Mount the file only for the step that needs it: RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci (or --mount=type=ssh for SSH keys).',
    references: [SECRETS_DOC, 'https://docs.docker.com/reference/dockerfile/#run---mounttypesecret'],
    check: (dockerfile) =>
      dockerfile.stages.flatMap((stage) => {
        const pointed = credentialFilePaths(stage.instructions);
        return stage.instructions
          .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
          .flatMap((i) => {
            const dest = instructionWords(i).pop() ?? '';
            const sources = copySources(i);
            const files = [...sources.filter((s) => isCredentialFile(s, true)), ...(dest.endsWith('/') || !isCredentialFile(dest, false) ? [] : [dest])];
            // The file a *_CREDENTIALS / *_FILE variable of the stage points at, copied in by name.
            const named = pointed.filter(([, path]) => path === dest || sources.some((s) => basename(s) === basename(path) && (dest.endsWith('/') || dest === '.' || basename(dest) === basename(path))));
            const what = [...files, ...named.filter(([, path]) => !files.some((f) => basename(f) === basename(path))).map(([name, path]) => `${path} (${name})`)];
            return what.length === 0 ? [] : [{ message: `${i.keyword} puts the credential file${what.length > 1 ? 's' : ''} ${what.join(', ')} into a layer`, instruction: i }];
          });
      }),
  },
  {
    id: 'DF033',
    title: 'RUN uses a key or credential stored in the image',
    severity: 'high',
    description: 'A RUN that reads a private key from a file (ssh -i, ssh-add, gpg --import of a private key), puts a password in a URL, or logs a CLI in (aws configure set, gcloud auth activate-service-account) leaves the key or token in a layer or in the build history. RUN --mount=type=secret passes.',
    remediation: 'Give the step the key with RUN --mount=type=secret (or --mount=type=ssh for SSH), so it never lands in a layer.',
    references: [SECRETS_DOC, 'https://docs.docker.com/reference/dockerfile/#run---mounttypessh'],
    check: (dockerfile) =>
      runInstructions(dockerfile)
        .filter((i) => !hasSecretMount(i))
        .flatMap((i) => {
          const reason = keyUse(shellText(i));
          return reason === undefined ? [] : [{ message: reason, instruction: i }];
        }),
  },
];

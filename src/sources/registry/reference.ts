import { InvalidReferenceError } from './errors.js';

/**
 * An image reference, normalised as Docker does: `alpine` is
 * `docker.io/library/alpine:latest`, `localhost:5000/x` names the registry
 * `localhost:5000`.
 */
export interface ImageReference {
  /** Registry host[:port] as written (`docker.io` for Docker Hub, `[::1]:5000`). */
  registry: string;
  /** Repository path, e.g. `library/alpine`. */
  repository: string;
  /** Tag; `latest` when neither a tag nor a digest was given. */
  tag?: string;
  /** Manifest digest (`sha256:…`); it wins over the tag when both are given. */
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API actually answers. */
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const MAX_NAME_LENGTH = 255;

/** Whether the first path component names a registry rather than a Docker Hub namespace. */
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component.startsWith('[') || component === 'localhost';
}

export function parseReference(input: string): ImageReference {
  const text = input.trim();
  if (text === '') throw new InvalidReferenceError(input, 'it is empty');
  if (/\s/.test(text)) throw new InvalidReferenceError(input, 'it contains whitespace');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) throw new InvalidReferenceError(input, `${JSON.stringify(digest)} is not a digest`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash && !rest.slice(colon).includes(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw new InvalidReferenceError(input, `${JSON.stringify(tag)} is not a valid tag`);
  }

  const components = rest.split('/');
  let registry = DOCKER_HUB;
  if (components.length > 1 && looksLikeRegistry(components[0]!)) {
    registry = components.shift()!;
    if (!DOMAIN_RE.test(registry)) throw new InvalidReferenceError(input, `${JSON.stringify(registry)} is not a valid registry host`);
    const port = /:(\d+)$/.exec(registry)?.[1];
    if (port !== undefined && Number(port) > 65535) throw new InvalidReferenceError(input, `port ${port} is out of range`);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && components.length === 1) components.unshift('library');

  for (const component of components) {
    if (component === '') throw new InvalidReferenceError(input, 'it has an empty path component');
    if (!PATH_COMPONENT_RE.test(component)) {
      const why = component.toLowerCase() !== component ? 'repository names must be lowercase' : `${JSON.stringify(component)} is not a valid path component`;
      throw new InvalidReferenceError(input, why);
    }
  }
  const repository = components.join('/');
  if (repository.length > MAX_NAME_LENGTH) throw new InvalidReferenceError(input, `the repository name is longer than ${MAX_NAME_LENGTH} characters`);

  const reference: ImageReference = { registry, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  if (tag === undefined && digest === undefined) reference.tag = 'latest';
  return reference;
}

/** Whether `repository` is a valid repository path (`library/alpine`), safe to put in a URL as is. */
export function isValidRepository(repository: string): boolean {
  return repository.length > 0 && repository.length <= MAX_NAME_LENGTH && repository.split('/').every((c) => PATH_COMPONENT_RE.test(c));
}

/** Whether `reference` is a valid tag or digest. */
export function isValidManifestReference(reference: string): boolean {
  return TAG_RE.test(reference) || DIGEST_RE.test(reference);
}

/** What to ask the registry for: the digest when there is one, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The canonical form: `docker.io/library/alpine:3.19@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  let text = `${ref.registry}/${ref.repository}`;
  if (ref.tag) text += `:${ref.tag}`;
  if (ref.digest) text += `@${ref.digest}`;
  return text;
}

/** The host[:port] that serves the registry API for a registry name. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

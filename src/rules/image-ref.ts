/** The parts of an image reference that decide whether it is pinned. */
export interface ImageRefParts {
  /** Registry and repository, without tag or digest. */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(ref: string): ImageRefParts {
  let rest = ref.trim();
  const parts: ImageRefParts = { repository: rest };
  const at = rest.indexOf('@');
  if (at >= 0) {
    parts.digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A colon before the last slash is a registry port (localhost:5000/app), not a tag.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    parts.tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  parts.repository = rest;
  return parts;
}

/** Why an image reference floats (may change under the same name), or undefined when it is pinned. */
export function floatingTagReason(ref: string): string | undefined {
  const { tag, digest } = parseImageRef(ref);
  if (digest !== undefined) return undefined;
  if (tag === undefined || tag === '') return `image "${ref}" has no tag, so it means latest`;
  if (tag === 'latest') return `image "${ref}" uses the latest tag`;
  return undefined;
}

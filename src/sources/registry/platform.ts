/** Platforms as in OCI image indexes, and how a manifest is chosen for one. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** `linux/arm64`, `linux/arm/v7`; throws on anything else. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-zA-Z0-9._-]+$/.test(p))) {
    throw new Error(`invalid platform ${JSON.stringify(text)}: expected os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os: os.toLowerCase(), architecture: architecture.toLowerCase(), variant: variant.toLowerCase() } : { os: os.toLowerCase(), architecture: architecture.toLowerCase() };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The variant a platform means when it names none (as containerd normalises them). */
function defaultVariant(architecture: string): string | undefined {
  if (architecture === 'arm64') return 'v8';
  if (architecture === 'amd64') return 'v1';
  return undefined;
}

function normalize(platform: Platform): Platform {
  const architecture = platform.architecture.toLowerCase();
  const variant = platform.variant?.toLowerCase() || defaultVariant(architecture);
  return variant ? { os: platform.os.toLowerCase(), architecture, variant } : { os: platform.os.toLowerCase(), architecture };
}

/**
 * Picks the entry for `wanted` from a list of platform-tagged entries:
 * os and architecture must match; a wanted variant must match too (a missing
 * one counts as the architecture's default, arm64 → v8); with no wanted
 * variant, an entry with the default variant (or none) wins over others.
 * Entries without a platform (attestations, signatures) never match.
 */
export function selectPlatform<T extends { platform?: Platform | undefined }>(entries: readonly T[], wanted: Platform): T | undefined {
  const want = normalize(wanted);
  const candidates = entries.filter((entry) => {
    if (!entry.platform) return false;
    const have = normalize(entry.platform);
    return have.os === want.os && have.architecture === want.architecture;
  });
  if (wanted.variant) return candidates.find((entry) => normalize(entry.platform!).variant === want.variant);
  return candidates.find((entry) => normalize(entry.platform!).variant === want.variant) ?? candidates[0];
}

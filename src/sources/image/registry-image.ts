import { formatPlatform, formatReference, type RegistryClient } from '../registry/index.js';
import type { Platform } from '../registry/index.js';
import type { ImageArtifact } from './artifact.js';

/** Resolves an image in a registry to its manifest and layers; layers are fetched (digest-verified) only when opened. */
export async function registryImage(client: RegistryClient, reference: string, options: { platform?: Platform | string; signal?: AbortSignal } = {}): Promise<ImageArtifact> {
  const resolved = await client.resolve(reference, options);
  const location = { registry: resolved.registry, repository: resolved.repository };
  return {
    name: formatReference(resolved.reference),
    digest: resolved.manifest.digest,
    platform: formatPlatform(resolved.platform),
    layers: resolved.layers.map((descriptor) => ({
      digest: descriptor.digest,
      size: descriptor.size,
      open: () => client.openBlob(location, descriptor, options.signal ? { signal: options.signal } : {}),
    })),
  };
}

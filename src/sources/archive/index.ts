/**
 * Image archives as ImageArtifacts: OCI image layouts (directory or tar) and
 * `docker save` tarballs, read in place (nothing is extracted), with every
 * document and layer verified against its digest.
 */
export { ociLayoutImage, ociArchiveImage, imageFromLayout, DEFAULT_ARCHIVE_LIMITS, REF_NAME } from './oci-layout.js';
export type { ArchiveImage, ArchiveImageOptions, ArchiveLimits } from './oci-layout.js';
export { dockerArchiveImage, imageFromDockerSave, archiveImage } from './docker-archive.js';
export { ArchiveError } from './errors.js';
export type { ArchiveErrorCode } from './errors.js';
export { indexTar, normalizeArchivePath, DEFAULT_TAR_INDEX_LIMITS } from './tar-index.js';
export type { TarIndex, TarIndexEntry, TarIndexLimits, TarEntryType } from './tar-index.js';
export { LayoutDirectoryFiles, TarFiles } from './files.js';
export type { ArchiveFiles, ArchiveFile } from './files.js';

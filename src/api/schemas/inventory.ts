import Type from 'typebox';

const Text = (max: number) => Type.String({ maxLength: max });

/** An OS release as the scan engine reports it. */
export const OsReleaseSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  versionId: Text(64),
  codename: Type.Optional(Text(64)),
  prettyName: Type.Optional(Text(256)),
});

/** A package as the scan engine reports it; type-specific fields (a deb's source, an rpm's epoch) ride along. */
export const PackageSchema = Type.Object({
  type: Type.Enum(['deb', 'apk', 'rpm', 'npm', 'pypi', 'go', 'maven', 'cargo']),
  name: Type.String({ minLength: 1, maxLength: 512 }),
  version: Type.String({ minLength: 1, maxLength: 256 }),
  location: Type.Object({ path: Text(4096), layerDigest: Type.Optional(Text(128)) }),
});

/** What a host or an image contains: the inventory agents and pipelines upload. */
export const InventoryDocumentSchema = {
  os: Type.Union([OsReleaseSchema, Type.Null()]),
  packages: Type.Array(PackageSchema, { maxItems: 500_000 }),
};

import Type from 'typebox';

const Text = (max: number) => Type.String({ maxLength: max });

/** An OS release as the scan engine reports it. */
export const OsReleaseSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  versionId: Text(64),
  codename: Type.Optional(Text(64)),
  prettyName: Type.Optional(Text(256)),
  fullVersionId: Type.Optional(Text(64)),
  version: Type.Optional(Text(256)),
  cpeName: Type.Optional(Text(256)),
  kernel: Type.Optional(Type.String({ maxLength: 256, description: 'the running kernel (uname -r); live hosts only' })),
});

const Name = Type.String({ minLength: 1, maxLength: 512 });
const Version = Type.String({ minLength: 1, maxLength: 256 });

/**
 * A package as the scan engine reports it (WirePackage in src/agent/protocol.ts).
 * The type-specific fields are optional, with the package managers' defaults
 * (completePackage): a deb without `source` is its own source, as in dpkg.
 */
export const PackageSchema = Type.Object({
  type: Type.Enum(['deb', 'apk', 'rpm', 'npm', 'pypi', 'go', 'maven', 'cargo', 'gem', 'nuget', 'composer']),
  name: Name,
  version: Version,
  location: Type.Object({ path: Text(4096), layerDigest: Type.Optional(Text(128)) }),
  architecture: Type.Optional(Text(64)),
  source: Type.Optional(Type.Object({ name: Name, version: Version }, { description: 'deb: the source package; default: the package itself' })),
  origin: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'apk: the aport; default: the package name' })),
  epoch: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 2147483647 }), Type.Null()], { description: 'rpm; default: from the version' })),
  release: Type.Optional(Type.String({ maxLength: 256, description: 'rpm; default: from the version' })),
  sourceRpm: Type.Optional(Type.String({ maxLength: 512, description: 'rpm: the source RPM file name' })),
  modularityLabel: Type.Optional(Type.String({ maxLength: 512, description: 'rpm: the module stream a package was built in (MODULARITYLABEL)' })),
});

/** What a host or an image contains: the inventory agents and pipelines upload. */
export const InventoryDocumentSchema = {
  os: Type.Union([OsReleaseSchema, Type.Null()]),
  packages: Type.Array(PackageSchema, { maxItems: 500_000 }),
};

/** How many directories and files an agent skipped because it could not read them (optional: older agents omit it). */
export const InventorySkippedPathsSchema = Type.Integer({ minimum: 0, description: 'paths skipped because they could not be read; each is named in warnings' });

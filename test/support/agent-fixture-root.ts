import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL_VERSION = '3.0.11-1~deb12u2';

/** dpkg status stanzas as Debian 12 writes them; `opensslVersion` lets a test change one package. */
export function dpkgStatus(opensslVersion = OPENSSL_VERSION): string {
  return `Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6143
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: ${opensslVersion}
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL
 and TLS cryptographic protocols for secure communication over the Internet.

Package: openssl
Status: install ok installed
Priority: optional
Section: utils
Installed-Size: 2314
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Version: ${opensslVersion}
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.9)
Description: Secure Sockets Layer toolkit - cryptographic utility

Package: zlib1g
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 168
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Provides: libz1
Depends: libc6 (>= 2.14)
Description: compression library - runtime
`;
}

export const DEBIAN_12_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

export const MACHINE_ID = '4c4c4544003957108052b4c04f384433';

/** A small Debian 12 root file system in a fresh temp directory. */
export function makeDebianRoot(opensslVersion = OPENSSL_VERSION): string {
  const root = mkdtempSync(join(tmpdir(), 'openhss-agent-root-'));
  const put = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  put('etc/os-release', DEBIAN_12_OS_RELEASE);
  put('etc/machine-id', `${MACHINE_ID}\n`);
  put('var/lib/dpkg/status', dpkgStatus(opensslVersion));
  return root;
}

/** Rewrites the fixture's dpkg status as if openssl had been upgraded. */
export function setOpensslVersion(root: string, version: string): void {
  writeFileSync(join(root, 'var/lib/dpkg/status'), dpkgStatus(version));
}

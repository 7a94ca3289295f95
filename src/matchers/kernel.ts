import type { Package } from '../domain/package.js';

// rpm kernels: RHEL family (kernel, kernel-core, kernel-modules…), SUSE (kernel-default…), Oracle UEK, real-time.
const RPM_KERNEL = /^kernel(?:-(?:core|modules(?:-core|-extra)?|default(?:-base|-extra)?|uek(?:-core|-modules)?|rt(?:-core|-modules)?|64k(?:-core|-modules)?|azure))?$/;
// Debian and Ubuntu kernels carry their ABI in the package name: linux-image-6.1.0-13-amd64.
const DEB_KERNEL = /^linux-(?:image|image-unsigned|modules|modules-extra)-(\d.*)$/;

/**
 * Whether a package is an installed kernel other than the running one
 * (`uname -r`). Such kernels are not matched: what runs is what is exposed.
 * Returns false when the package is not a kernel, or the running kernel is not
 * known (images, offline root file systems).
 */
export function isIdleKernel(pkg: Package, running: string | undefined): boolean {
  if (!running) return false;
  if (pkg.type === 'deb') {
    const abi = DEB_KERNEL.exec(pkg.name)?.[1];
    return abi !== undefined && abi !== running;
  }
  if (pkg.type !== 'rpm' || !RPM_KERNEL.test(pkg.name)) return false;
  const version = pkg.version.replace(/^\d+:/, '').slice(0, -(pkg.release.length + 1));
  // RHEL: 5.14.0-427.13.1.el9_4.x86_64; SUSE drops the release's last number and adds the flavour: 5.14.21-150500.55.39-default.
  const forms = [`${version}-${pkg.release}`, `${version}-${pkg.release.replace(/\.\d+$/, '')}`];
  return !forms.some((f) => running === f || running.startsWith(`${f}.`) || running.startsWith(`${f}-`) || running.startsWith(`${f}+`));
}

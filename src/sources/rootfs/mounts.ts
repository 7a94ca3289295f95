import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';

/** Kernel and in-memory file systems: nothing a package manager installs lives there. */
const PSEUDO = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'ramfs', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs', 'pstore',
  'bpf', 'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'autofs', 'binfmt_misc', 'efivarfs', 'selinuxfs', 'rpc_pipefs', 'nsfs', 'nfsd',
]);
/** Network file systems: walking them is slow, may hang, and inventories someone else's machine. */
const REMOTE = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ncpfs', 'afs', 'ceph', 'glusterfs', 'lustre', 'gpfs', '9p', 'davfs', 'sshfs', 'beegfs', 'ocfs2', 'gfs2']);

/** Whether a walk of a host's root should stay out of a file system of this type. */
export function skippedFsType(type: string): boolean {
  // fuse.sshfs, fuse.rclone, fuse.s3fs…: user-space file systems are remote or synthetic; fuseblk is a local disk (ntfs-3g).
  if (type.startsWith('fuse') && type !== 'fuseblk') return true;
  // overlay mounts below the root are container roots (their images are reported as images, not as the host).
  return PSEUDO.has(type) || REMOTE.has(type) || type === 'overlay' || type === 'aufs';
}

/** Undoes mountinfo's octal escapes (\040 for a space, \011, \012, \134). */
const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * The mount points strictly below `root` (relative to it) whose file system
 * type `skippedFsType` rejects, from a /proc/self/mountinfo text.
 */
export function skippedMounts(mountinfo: string, root: string): string[] {
  const base = resolve(root);
  const paths: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 5 || fields[dash + 1] === undefined) continue;
    const mountPoint = unescape(fields[4]!);
    const rel = relative(base, mountPoint);
    if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) continue;
    if (skippedFsType(fields[dash + 1]!)) paths.push(rel.split(sep).join('/'));
  }
  return paths;
}

/** As skippedMounts, for this machine; none when /proc/self/mountinfo cannot be read (not Linux, no /proc). */
export async function skippedMountsOf(root: string, mountinfoFile = '/proc/self/mountinfo'): Promise<string[]> {
  const text = await readFile(mountinfoFile, 'utf8').catch(() => '');
  return skippedMounts(text, root);
}

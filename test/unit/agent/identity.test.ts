import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectIdentity, hostIps, parseOsRelease } from '../../../src/agent/client/identity.js';
import { VERSION } from '../../../src/runtime/version.js';
import { MACHINE_ID, makeDebianRoot } from '../../support/agent-fixture-root.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;

const interfaces = () => ({
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('fd00::10', 'IPv6'), nic('192.168.1.10', 'IPv4')],
  eth1: [nic('10.0.0.5', 'IPv4'), nic('192.168.1.10', 'IPv4')],
});

describe('collectIdentity', () => {
  it('reads the machine id and OS from the root, and lists external addresses IPv4 first', async () => {
    const root = makeDebianRoot();
    const identity = await collectIdentity({ root, hostname: () => 'web-01', networkInterfaces: interfaces, kernel: () => '6.1.0-18-amd64' });
    assert.deepEqual(identity, {
      machine_id: MACHINE_ID,
      host_name: 'web-01',
      ips: ['192.168.1.10', '10.0.0.5', 'fd00::10'],
      os_type: 'Linux',
      os_name: 'Debian GNU/Linux 12 (bookworm)',
      os_version: '12',
      kernel: '6.1.0-18-amd64',
      agent_version: VERSION,
    });
  });

  it("takes the host name from the root's etc/hostname when the host is seen through a mount", async () => {
    const root = makeDebianRoot();
    writeFileSync(join(root, 'etc/hostname'), 'db-07\n');
    const identity = await collectIdentity({ root, hostname: () => 'scanner-box', networkInterfaces: interfaces, kernel: () => '6.1.0-18-amd64' });
    assert.equal(identity.host_name, 'db-07');
  });

  it('falls back to usr/lib/os-release and leaves out an uninitialized machine id', async () => {
    const root = mkdtempSync(join(tmpdir(), 'openhss-agent-id-'));
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'usr/lib/os-release'), 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n');
    writeFileSync(join(root, 'etc/machine-id'), 'uninitialized\n');
    const identity = await collectIdentity({ root });
    assert.equal(identity.machine_id, undefined);
    assert.equal(identity.os_name, 'Alpine Linux');
    assert.equal(identity.os_version, '3.19.1');
    assert.ok(!identity.ips.includes('127.0.0.1'));
  });

  it('still answers for a root with no release files', async () => {
    const identity = await collectIdentity({ root: mkdtempSync(join(tmpdir(), 'openhss-agent-id-')) });
    assert.equal(identity.os_name, 'Linux');
    assert.equal(identity.os_version, '');
  });
});

describe('parseOsRelease', () => {
  it('unquotes values and skips comments', () => {
    assert.deepEqual(parseOsRelease('# comment\nNAME="A \\"B\\""\nID=x\nVERSION=\'1 2\'\n\n'), { NAME: 'A "B"', ID: 'x', VERSION: '1 2' });
  });
});

describe('hostIps', () => {
  it('leaves out loopback and repeats', () => {
    assert.deepEqual(hostIps(interfaces()), ['192.168.1.10', '10.0.0.5', 'fd00::10']);
  });
});

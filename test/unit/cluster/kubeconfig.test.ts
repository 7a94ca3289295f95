import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterScanError, loadKubeconfig } from '../../../src/cluster/index.js';
import { kubeconfigFor } from '../../support/kube/kubeconfig.js';

const TOKEN = 'kubeconfig-token-0d9f7a';

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => loadKubeconfig(text),
    (err: unknown) => err instanceof ClusterScanError && err.kind === 'invalid-input' && pattern.test(err.reason) && !err.reason.includes(TOKEN),
  );
}

describe('kubeconfig input', () => {
  it('loads an embedded-token kubeconfig and remembers its secrets for scrubbing', () => {
    const loaded = loadKubeconfig(kubeconfigFor('https://k8s.example.com:6443', TOKEN));
    assert.equal(loaded.server, 'https://k8s.example.com:6443');
    assert.deepEqual(loaded.secrets, [TOKEN]);
    assert.equal(loaded.config.getCurrentUser()?.token, TOKEN);
  });

  it('strips userinfo from the server URL it reports', () => {
    const loaded = loadKubeconfig(kubeconfigFor('https://admin:hunter22@k8s.example.com', TOKEN));
    assert.equal(loaded.server, 'https://k8s.example.com');
    assert.ok(loaded.secrets.includes('hunter22'));
  });

  it('refuses credentials that would run programs or read files on this machine', () => {
    const base = kubeconfigFor('https://k8s.example.com', TOKEN);
    refused(base.replace(`    token: ${JSON.stringify(TOKEN)}`, '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws'), /exec/);
    refused(base.replace(`    token: ${JSON.stringify(TOKEN)}`, '    auth-provider:\n      name: oidc'), /auth-provider/);
    refused(base.replace(`    token: ${JSON.stringify(TOKEN)}`, '    tokenFile: /var/run/secrets/token'), /files/);
    refused(base.replace(`    token: ${JSON.stringify(TOKEN)}`, '    client-key: /etc/kubernetes/pki/admin.key'), /files/);
    refused(base.replace('    insecure-skip-tls-verify: true', '    certificate-authority: /etc/kubernetes/pki/ca.crt'), /certificate-authority/);
    assert.doesNotThrow(() => loadKubeconfig(base.replace(`    token: ${JSON.stringify(TOKEN)}`, '    tokenFile: /var/run/secrets/token'), { allowLocalFiles: true }));
  });

  it('refuses malformed kubeconfigs without quoting them', () => {
    refused(`apiVersion: v1\nusers: [ {token: ${TOKEN}`, /not valid YAML/);
    refused('- a\n- b\n', /mapping/);
    refused(kubeconfigFor('https://k8s.example.com', TOKEN).replace('current-context: test', ''), /current-context/);
    refused(kubeconfigFor('ftp://k8s.example.com', TOKEN), /neither https nor http/);
    refused(kubeconfigFor('not a url', TOKEN), /not a URL/);
  });
});

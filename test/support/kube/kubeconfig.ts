/**
 * A kubeconfig for a test server. @kubernetes/client-node 1.x refuses a plain
 * http:// server unless insecure-skip-tls-verify is set, so it is set here.
 */
export function kubeconfigFor(server: string, token: string, extraUser: Record<string, string> = {}): string {
  const user = Object.entries({ token, ...extraUser })
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
contexts:
- name: test
  context:
    cluster: test
    user: scanner
current-context: test
users:
- name: scanner
  user:
${user}
`;
}

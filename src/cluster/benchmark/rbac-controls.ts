import { anyAllows, isBootstrapDefault, nonSystemSubjects, ref, rulesOf, subjectText, type Grant } from '../rbac.js';
import { podSpecOf } from '../workloads.js';
import { cisMeta, passedOr, type BenchmarkControl, type ControlOutcome } from './control.js';

/** CIS 5.1.x asks who else, beyond Kubernetes' own components, holds a right. */
function accessControl(
  id: string,
  title: string,
  severity: 'high' | 'medium',
  needs: Array<{ verb: string; group: string; resource: string }>,
  remediation: string,
): BenchmarkControl {
  const wanted = needs.map((n) => `${n.verb} ${n.resource}`).join(', ');
  return {
    ...cisMeta(id, title, severity, `Non-system subjects bound to roles that allow: ${wanted}.`, remediation),
    evaluate(context) {
      const outcomes: ControlOutcome[] = [];
      for (const grant of context.grants) {
        const allowed = needs.filter((n) => anyAllows(grant.rules, n.verb, n.group, n.resource)).map((n) => `${n.verb} ${n.resource}`);
        if (allowed.length === 0) continue;
        const subjects = nonSystemSubjects(grant);
        if (subjects.length === 0) continue;
        const scope = grant.clusterWide ? 'in every namespace' : `in namespace ${grant.bindingRef.namespace ?? ''}`;
        outcomes.push({
          status: 'failed',
          message: `${subjects.map(subjectText).join(', ')} can ${allowed.join(', ')} ${scope} through ${grant.roleRef.kind} ${grant.roleRef.name}`,
          resource: grant.bindingRef,
        });
      }
      return passedOr(outcomes, context, `no non-system subject can ${wanted}`);
    },
  };
}

const CLUSTER_ADMIN: BenchmarkControl = {
  ...cisMeta(
    '5.1.1',
    'Ensure that the cluster-admin role is only used where required',
    'high',
    'Bindings to cluster-admin other than the built-in one for system:masters.',
    'Bind users and service accounts to roles with fewer privileges, then delete the cluster-admin bindings.',
  ),
  evaluate(context) {
    const outcomes = context.grants
      .filter((g) => g.roleRef.kind === 'ClusterRole' && g.roleRef.name === 'cluster-admin' && !isBootstrapDefault(g.binding))
      .map<ControlOutcome>((g) => ({ status: 'failed', message: `binds cluster-admin to ${g.subjects.map(subjectText).join(', ') || 'no subjects'}`, resource: g.bindingRef }));
    return passedOr(outcomes, context, 'only the built-in binding uses cluster-admin');
  },
};

const WILDCARDS: BenchmarkControl = {
  ...cisMeta(
    '5.1.3',
    'Minimize wildcard use in Roles and ClusterRoles',
    'medium',
    'Roles and ClusterRoles (other than the API server\'s own defaults) with "*" in apiGroups, resources or verbs.',
    'Replace "*" with the API groups, resources and verbs each role needs.',
  ),
  evaluate(context) {
    const outcomes: ControlOutcome[] = [];
    for (const role of [...context.snapshot.clusterroles, ...context.snapshot.roles]) {
      if (isBootstrapDefault(role)) continue;
      const fields = new Set<string>();
      for (const rule of rulesOf(role)) for (const f of ['apiGroups', 'resources', 'verbs'] as const) if (rule[f]?.includes('*')) fields.add(f);
      if (fields.size > 0) outcomes.push({ status: 'failed', message: `"*" in ${[...fields].join(', ')}`, resource: ref(role) });
    }
    return passedOr(outcomes, context, 'no wildcards outside the built-in roles');
  },
};

function boundToDefault(grant: Grant, namespace: string): boolean {
  return !isBootstrapDefault(grant.binding) && grant.subjects.some((s) => s.kind === 'ServiceAccount' && s.name === 'default' && s.namespace === namespace);
}

const DEFAULT_SERVICE_ACCOUNTS: BenchmarkControl = {
  ...cisMeta(
    '5.1.5',
    'Ensure that default service accounts are not actively used',
    'medium',
    'Each namespace\'s default service account should not mount its token automatically, nor be given rights.',
    'Set automountServiceAccountToken: false on each default service account and bind rights to dedicated service accounts.',
  ),
  evaluate(context) {
    return context.snapshot.namespaces.map<ControlOutcome>((ns) => {
      const name = ns.metadata?.name ?? '';
      const sa = context.snapshot.serviceaccounts.find((s) => s.metadata?.namespace === name && s.metadata?.name === 'default');
      const problems: string[] = [];
      if (sa !== undefined && sa.automountServiceAccountToken !== false) problems.push('its default service account does not set automountServiceAccountToken: false');
      const bindings = context.grants.filter((g) => boundToDefault(g, name)).map((g) => `${g.bindingRef.kind} ${g.bindingRef.name}`);
      if (bindings.length > 0) problems.push(`the default service account is bound by ${bindings.join(', ')}`);
      const resource = { kind: 'Namespace', name };
      if (problems.length > 0) return { status: 'failed', message: problems.join('; '), resource };
      return { status: 'passed', message: sa === undefined ? 'no default service account' : 'the default service account mounts no token and has no bindings', resource };
    });
  },
};

const TOKEN_MOUNTS: BenchmarkControl = {
  ...cisMeta(
    '5.1.6',
    'Ensure that Service Account Tokens are only mounted where necessary',
    'medium',
    'Workloads that get a service account token mounted, because neither the pod nor its service account sets automountServiceAccountToken: false.',
    'Set automountServiceAccountToken: false on pods (or their service accounts) that do not call the Kubernetes API.',
  ),
  evaluate(context) {
    const accounts = new Map(context.snapshot.serviceaccounts.map((s) => [`${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`, s]));
    const outcomes: ControlOutcome[] = [];
    for (const workload of context.workloads) {
      const spec = podSpecOf(workload);
      // Static (mirror) pods cannot use service accounts, so nothing is mounted in them.
      if (spec === undefined || workload.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) continue;
      const saName = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' ? spec.serviceAccountName : typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : 'default';
      const sa = accounts.get(`${workload.metadata?.namespace ?? ''}/${saName}`);
      // The pod's own setting wins over its service account's, as the kubelet decides.
      const mounted = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : sa?.automountServiceAccountToken !== false;
      if (mounted) outcomes.push({ status: 'failed', message: `mounts the token of service account ${saName}`, resource: ref(workload) });
    }
    return passedOr(outcomes, context, 'no workload mounts a service account token');
  },
};

const SYSTEM_MASTERS: BenchmarkControl = {
  ...cisMeta(
    '5.1.7',
    'Avoid use of system:masters group',
    'high',
    'Membership of system:masters bypasses RBAC entirely.',
    'Issue no client certificates with O=system:masters beyond the break-glass one.',
  ),
  evaluate(context) {
    return [{ status: 'not_evaluated', message: 'group membership is carried in client certificates, which the API does not list', resource: context.cluster }];
  },
};

export const RBAC_CONTROLS: readonly BenchmarkControl[] = [
  CLUSTER_ADMIN,
  accessControl('5.1.2', 'Minimize access to secrets', 'high', ['get', 'list', 'watch'].map((verb) => ({ verb, group: '', resource: 'secrets' })), 'Remove get, list and watch on Secrets wherever possible.'),
  WILDCARDS,
  accessControl('5.1.4', 'Minimize access to create pods', 'high', [{ verb: 'create', group: '', resource: 'pods' }], 'Remove create on pods wherever possible.'),
  DEFAULT_SERVICE_ACCOUNTS,
  TOKEN_MOUNTS,
  SYSTEM_MASTERS,
  accessControl(
    '5.1.8',
    'Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster',
    'high',
    [
      { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'roles' },
      { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles' },
      { verb: 'impersonate', group: '', resource: 'users' },
      { verb: 'impersonate', group: '', resource: 'groups' },
      { verb: 'impersonate', group: '', resource: 'serviceaccounts' },
    ],
    'Remove the impersonate, bind and escalate rights from subjects wherever possible.',
  ),
  accessControl('5.1.9', 'Minimize access to create persistent volumes', 'medium', [{ verb: 'create', group: '', resource: 'persistentvolumes' }], 'Remove create on PersistentVolumes wherever possible.'),
  accessControl('5.1.10', 'Minimize access to the proxy sub-resource of nodes', 'medium', ['get', 'create'].map((verb) => ({ verb, group: '', resource: 'nodes/proxy' })), 'Remove access to nodes/proxy wherever possible.'),
  accessControl(
    '5.1.11',
    'Minimize access to the approval sub-resource of certificatesigningrequests objects',
    'medium',
    ['update', 'patch'].map((verb) => ({ verb, group: 'certificates.k8s.io', resource: 'certificatesigningrequests/approval' })),
    'Remove access to certificatesigningrequests/approval wherever possible.',
  ),
  accessControl(
    '5.1.12',
    'Minimize access to webhook configuration objects',
    'medium',
    ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'].flatMap((resource) =>
      ['create', 'update', 'patch', 'delete'].map((verb) => ({ verb, group: 'admissionregistration.k8s.io', resource })),
    ),
    'Remove write access to validating and mutating webhook configurations wherever possible.',
  ),
  accessControl('5.1.13', 'Minimize access to the service account token creation', 'medium', [{ verb: 'create', group: '', resource: 'serviceaccounts/token' }], 'Remove create on serviceaccounts/token wherever possible.'),
];

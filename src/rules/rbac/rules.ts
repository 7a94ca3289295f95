import type { K8sObject } from '../types.js';
import { anyAllows, isBootstrapDefault, isFullAccess, isSystemSubject, nonSystemSubjects, ref, rulesOf, subjectsAt, subjectText, type PolicyRule } from './policy.js';
import type { RbacRule as ClusterRule, RbacHit } from './rule.js';

/** RBAC rules, run live by the cluster scan over every role and binding, and by the IaC scan over those of a file. */

const RBAC_DOC = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';

export const SERVICE_ACCOUNT_CLUSTER_ADMIN: ClusterRule = {
  id: 'RBAC001',
  title: 'Service account bound to cluster-admin or an equivalent role',
  severity: 'critical',
  description:
    'A service account holds every verb on every resource. Any pod running as it, or anyone who can create pods in its namespace, controls the cluster.',
  remediation: 'Bind the service account to a role that grants only the resources and verbs it uses, then delete this binding.',
  references: [RBAC_DOC, 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles'],
  check({ grants }) {
    return grants.flatMap((g) => {
      if (!(g.roleRef.kind === 'ClusterRole' && g.roleRef.name === 'cluster-admin') && !isFullAccess(g.rules)) return [];
      const scope = g.clusterWide ? 'in every namespace' : `in namespace ${g.bindingRef.namespace ?? ''}`;
      return subjectsAt(g.binding)
        .filter(({ subject: s }) => s.kind === 'ServiceAccount')
        .map(({ subject: s, path }) => ({ message: `${subjectText(s)} has full access ${scope} through ${g.roleRef.kind} ${g.roleRef.name}`, resource: g.bindingRef, object: g.binding, path }));
    });
  },
};

function wildcardRule(id: string, field: 'verbs' | 'resources', title: string, description: string, remediation: string): ClusterRule {
  return {
    id,
    title,
    severity: 'high',
    description,
    remediation,
    references: [RBAC_DOC, 'https://www.cisecurity.org/benchmark/kubernetes'],
    check({ snapshot }) {
      return [...snapshot.clusterroles, ...snapshot.roles]
        .filter((role) => !isBootstrapDefault(role))
        .flatMap((role) => {
          const rules = rulesOf(role);
          const hits = rules.filter((r) => r[field]?.includes('*'));
          if (hits.length === 0) return [];
          const where = hits.map((r) => (field === 'verbs' ? `resources [${(r.resources ?? r.nonResourceURLs ?? []).join(', ')}]` : `verbs [${(r.verbs ?? []).join(', ')}]`));
          return [{ message: `${role.kind} ${role.metadata?.name ?? ''} grants * ${field} (${where.join('; ')})`, resource: ref(role), object: role, path: ['rules', rules.indexOf(hits[0]!)] }];
        });
    },
  };
}

export const WILDCARD_VERBS = wildcardRule(
  'RBAC002',
  'verbs',
  'Role grants wildcard verbs',
  'A rule with verbs ["*"] grants every present and future verb, including escalate, bind and impersonate where they apply.',
  'List the verbs the role needs (get, list, watch, ...) instead of "*".',
);

export const WILDCARD_RESOURCES = wildcardRule(
  'RBAC003',
  'resources',
  'Role grants access to wildcard resources',
  'A rule with resources ["*"] covers every resource in its API groups, including Secrets and resources added later by CRDs.',
  'List the resources the role needs instead of "*".',
);

export const DEFAULT_SA_AUTOMOUNT: ClusterRule = {
  id: 'RBAC004',
  title: 'Default service account mounts its token automatically',
  severity: 'medium',
  description:
    'Every pod that names no service account runs as "default" and, unless automountServiceAccountToken is false, gets its API token mounted, whether it needs it or not.',
  remediation: 'Set automountServiceAccountToken: false on the default service account of each namespace; give pods that call the API their own service account.',
  references: ['https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting'],
  check({ snapshot }) {
    return snapshot.serviceaccounts
      .filter((sa) => sa.metadata?.name === 'default' && sa.automountServiceAccountToken !== false)
      .map((sa) => ({
        message: `the default service account of namespace ${sa.metadata?.namespace ?? ''} has automountServiceAccountToken ${sa.automountServiceAccountToken === true ? 'true' : 'unset (true)'}`,
        resource: ref(sa),
        object: sa,
        path: ['automountServiceAccountToken'],
      }));
  },
};

export const CLUSTER_WIDE_SECRET_READ: ClusterRule = {
  id: 'RBAC005',
  title: 'Secrets readable cluster-wide by a non-system subject',
  severity: 'high',
  description: 'A ClusterRoleBinding lets a user, group or service account that is not part of Kubernetes itself get, list or watch Secrets in every namespace.',
  remediation: 'Grant Secret access with RoleBindings in the namespaces that need it, preferably with resourceNames, and remove the cluster-wide grant.',
  references: [RBAC_DOC, 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/'],
  check({ grants }) {
    return grants
      .filter((g) => g.clusterWide)
      .flatMap((g) => {
        const verbs = ['get', 'list', 'watch'].filter((v) => anyAllows(g.rules, v, '', 'secrets'));
        if (verbs.length === 0) return [];
        const allowed = new Set(nonSystemSubjects(g));
        return subjectsAt(g.binding)
          .filter(({ subject }) => [...allowed].some((s) => s.kind === subject.kind && s.name === subject.name))
          .map(({ subject: s, path }) => ({
            message: `${subjectText(s)} can ${verbs.join('/')} Secrets in every namespace through ${g.roleRef.kind} ${g.roleRef.name}`,
            resource: g.bindingRef,
            object: g.binding,
            path,
          }));
      });
  },
};

const ANONYMOUS = new Set(['system:anonymous', 'system:unauthenticated']);

export const ANONYMOUS_BINDING: ClusterRule = {
  id: 'RBAC006',
  title: 'Role bound to anonymous or unauthenticated users',
  severity: 'critical',
  description: 'A binding grants rights to system:anonymous or system:unauthenticated: anyone who can reach the API server has them, without credentials.',
  remediation: 'Delete the binding, or bind the role to authenticated subjects only.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests'],
  check({ grants }) {
    // The API server's own bindings give anonymous users version and health endpoints only.
    return grants
      .filter((g) => !isBootstrapDefault(g.binding))
      .flatMap((g) =>
        subjectsAt(g.binding)
          .filter(({ subject: s }) => s.kind !== 'ServiceAccount' && ANONYMOUS.has(s.name))
          .map(({ subject: s, path }) => ({ message: `${subjectText(s)} is bound to ${g.roleRef.kind} ${g.roleRef.name}`, resource: g.bindingRef, object: g.binding, path })),
      );
  },
};

const GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';

const named = (list: unknown, ...values: string[]) => Array.isArray(list) && values.some((v) => list.includes(v));
const inGroup = (r: PolicyRule, group: string) => named(r.apiGroups, group, '*');
/** Rules narrowed by resourceNames reach named objects only; like allows(), they do not count. */
const unnarrowed = (r: PolicyRule) => !(Array.isArray(r.resourceNames) && r.resourceNames.length > 0);

/**
 * A check on each Role and ClusterRole (the API server's own bootstrap roles
 * aside): `grants` names the dangerous right a rule gives, or undefined. Only
 * rights named explicitly count; `*` verbs and resources are RBAC002 and RBAC003.
 */
function roleRule(meta: Omit<ClusterRule, 'check'>, grants: (r: PolicyRule) => string | undefined): ClusterRule {
  return {
    ...meta,
    check({ snapshot }) {
      return [...snapshot.clusterroles, ...snapshot.roles]
        .filter((role) => !isBootstrapDefault(role))
        .flatMap((role): RbacHit[] => {
          const rules = rulesOf(role);
          for (const [index, rule] of rules.entries()) {
            const what = unnarrowed(rule) ? grants(rule) : undefined;
            if (what !== undefined) return [{ message: `${role.kind} ${role.metadata?.name ?? ''} ${what}`, resource: ref(role), object: role, path: ['rules', index] }];
          }
          return [];
        });
    },
  };
}

const verbsOf = (r: PolicyRule, wanted: string[]) => wanted.filter((v) => named(r.verbs, v, '*'));

export const SECRETS_READ: ClusterRule = roleRule(
  {
    id: 'RBAC007',
    title: 'Role can read Secrets',
    severity: 'medium',
    description: 'get, list or watch on Secrets reveals every credential in scope, service account tokens included; list and watch return the values too.',
    remediation: 'Remove Secret access, or narrow it with resourceNames to the Secrets the workload reads.',
    references: [`${GOOD_PRACTICES}#listing-secrets`, 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/'],
  },
  (r) => {
    const verbs = verbsOf(r, ['get', 'list', 'watch']);
    return inGroup(r, '') && named(r.resources, 'secrets') && verbs.length > 0 ? `can ${verbs.join('/')} Secrets` : undefined;
  },
);

function rbacVerbRule(id: string, verb: 'escalate' | 'bind', anchor: string, what: string): ClusterRule {
  return roleRule(
    {
      id,
      title: `Role grants the ${verb} verb on roles`,
      severity: 'high',
      description: `The ${verb} verb on Roles or ClusterRoles lets a subject ${what}, so it can raise its own rights up to cluster-admin.`,
      remediation: `Remove the ${verb} verb; keep it for the few administrators who manage RBAC.`,
      references: [`${GOOD_PRACTICES}#${anchor}`, 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping'],
    },
    (r) => (inGroup(r, 'rbac.authorization.k8s.io') && named(r.verbs, verb) && named(r.resources, 'roles', 'clusterroles', '*') ? `grants ${verb} on roles` : undefined),
  );
}

export const ESCALATE_VERB = rbacVerbRule('RBAC008', 'escalate', 'escalate-verb', 'create or change roles granting rights it does not hold');
export const BIND_VERB = rbacVerbRule('RBAC009', 'bind', 'bind-verb', 'bind any role, to itself or anyone, without holding its rights');

export const IMPERSONATE_VERB: ClusterRule = roleRule(
  {
    id: 'RBAC010',
    title: 'Role grants impersonation',
    severity: 'high',
    description: 'The impersonate verb on users, groups or service accounts lets a subject act as them, with all their rights (system:masters included).',
    remediation: 'Remove the impersonate verb, or narrow it with resourceNames to the identities a tool must act as.',
    references: [`${GOOD_PRACTICES}#impersonate-verb`, 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation'],
  },
  (r) => {
    const targets = ['users', 'groups', 'serviceaccounts', 'uids', 'userextras/*', '*'].filter((t) => named(r.resources, t));
    return named(r.verbs, 'impersonate') && targets.length > 0 ? `grants impersonate on ${targets.join(', ')}` : undefined;
  },
);

export const POD_EXEC: ClusterRule = roleRule(
  {
    id: 'RBAC011',
    title: 'Role allows exec or attach into pods',
    severity: 'high',
    description: 'create (or get, over WebSockets) on pods/exec or pods/attach runs commands in any pod in scope: the subject gets the pods\u2019 service account tokens, Secrets and data.',
    remediation: 'Remove pods/exec and pods/attach from the role; debug through a dedicated, audited break-glass role.',
    references: ['https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources', GOOD_PRACTICES],
  },
  (r) => {
    const subresources = ['pods/exec', 'pods/attach', 'pods/*'].filter((t) => named(r.resources, t));
    return inGroup(r, '') && subresources.length > 0 && verbsOf(r, ['create', 'get']).length > 0 ? `can ${verbsOf(r, ['create', 'get']).join('/')} ${subresources.join(', ')}` : undefined;
  },
);

export const NODE_PROXY: ClusterRule = roleRule(
  {
    id: 'RBAC012',
    title: 'Role grants nodes/proxy',
    severity: 'high',
    description: 'nodes/proxy reaches the kubelet API of every node: it runs commands in any pod on it, bypassing audit logging and admission control.',
    remediation: 'Remove nodes/proxy; monitoring agents should read the kubelet through nodes/metrics or nodes/stats.',
    references: [`${GOOD_PRACTICES}#access-to-proxy-subresource-of-nodes`, 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/'],
  },
  (r) => (inGroup(r, '') && named(r.resources, 'nodes/proxy', 'nodes/*') && (r.verbs ?? []).length > 0 ? `grants ${(r.verbs ?? []).join(', ')} on nodes/proxy` : undefined),
);

const isClusterAdminBinding = (binding: K8sObject) => {
  const roleRef = binding.roleRef as { kind?: unknown; name?: unknown } | undefined;
  return roleRef?.kind === 'ClusterRole' && roleRef.name === 'cluster-admin';
};

export const USER_CLUSTER_ADMIN: ClusterRule = {
  id: 'RBAC013',
  title: 'User or group bound to cluster-admin',
  severity: 'high',
  description: 'A binding gives a user or group cluster-admin, every right on every resource. Day-to-day accounts with it turn any stolen credential or mistake into a cluster-wide one.',
  remediation: 'Bind people to the admin, edit or view roles in the namespaces they work in; keep cluster-admin for break-glass access.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles', GOOD_PRACTICES],
  check({ grants }) {
    // Service accounts are RBAC001, system:anonymous and system:unauthenticated RBAC006, other system:* are Kubernetes' own.
    return grants
      .filter((g) => !isBootstrapDefault(g.binding) && isClusterAdminBinding(g.binding))
      .flatMap((g) =>
        subjectsAt(g.binding)
          .filter(({ subject: s }) => s.kind !== 'ServiceAccount' && !isSystemSubject(s))
          .map(({ subject: s, path }) => ({ message: `${subjectText(s)} is bound to ClusterRole cluster-admin${g.clusterWide ? '' : ` in namespace ${g.bindingRef.namespace ?? ''}`}`, resource: g.bindingRef, object: g.binding, path })),
      );
  },
};

export const TOKEN_REQUEST: ClusterRule = roleRule(
  {
    id: 'RBAC014',
    title: 'Role can request service account tokens',
    severity: 'high',
    description: 'create on serviceaccounts/token issues tokens for any service account in scope, and with them every right those accounts hold.',
    remediation: 'Remove serviceaccounts/token, or narrow it with resourceNames to the service account a tool needs tokens for.',
    references: [`${GOOD_PRACTICES}#token-request`, 'https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/'],
  },
  (r) => (inGroup(r, '') && named(r.resources, 'serviceaccounts/token', 'serviceaccounts/*') && verbsOf(r, ['create']).length > 0 ? 'can create service account tokens' : undefined),
);

export const ADMISSION_WEBHOOKS: ClusterRule = roleRule(
  {
    id: 'RBAC015',
    title: 'Role can change admission webhooks',
    severity: 'high',
    description: 'Whoever can create or change validating or mutating webhook configurations can read or rewrite every object sent to the API server, or switch admission controls off.',
    remediation: 'Keep webhook configuration rights to the cluster administrators and the controllers that install their own webhooks, narrowed with resourceNames.',
    references: [`${GOOD_PRACTICES}#control-admission-webhooks`, 'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/'],
  },
  (r) => {
    const kinds = ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings'].filter((k) => named(r.resources, k));
    const verbs = verbsOf(r, ['create', 'update', 'patch', 'delete']);
    return inGroup(r, 'admissionregistration.k8s.io') && kinds.length > 0 && verbs.length > 0 ? `can ${verbs.join('/')} ${kinds.join(', ')}` : undefined;
  },
);

export const RBAC_RULES: readonly ClusterRule[] = [
  SERVICE_ACCOUNT_CLUSTER_ADMIN,
  WILDCARD_VERBS,
  WILDCARD_RESOURCES,
  DEFAULT_SA_AUTOMOUNT,
  CLUSTER_WIDE_SECRET_READ,
  ANONYMOUS_BINDING,
  SECRETS_READ,
  ESCALATE_VERB,
  BIND_VERB,
  IMPERSONATE_VERB,
  POD_EXEC,
  NODE_PROXY,
  USER_CLUSTER_ADMIN,
  TOKEN_REQUEST,
  ADMISSION_WEBHOOKS,
];

import { anyAllows, isBootstrapDefault, isFullAccess, nonSystemSubjects, ref, rulesOf, subjectText } from '../rbac.js';
import type { ClusterRule } from './rule.js';

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
      return g.subjects
        .filter((s) => s.kind === 'ServiceAccount')
        .map((s) => ({ message: `${subjectText(s)} has full access ${scope} through ${g.roleRef.kind} ${g.roleRef.name}`, resource: g.bindingRef }));
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
          const hits = rulesOf(role).filter((r) => r[field]?.includes('*'));
          if (hits.length === 0) return [];
          const where = hits.map((r) => (field === 'verbs' ? `resources [${(r.resources ?? r.nonResourceURLs ?? []).join(', ')}]` : `verbs [${(r.verbs ?? []).join(', ')}]`));
          return [{ message: `${role.kind} ${role.metadata?.name ?? ''} grants * ${field} (${where.join('; ')})`, resource: ref(role) }];
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
        return nonSystemSubjects(g).map((s) => ({
          message: `${subjectText(s)} can ${verbs.join('/')} Secrets in every namespace through ${g.roleRef.kind} ${g.roleRef.name}`,
          resource: g.bindingRef,
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
        g.subjects.filter((s) => s.kind !== 'ServiceAccount' && ANONYMOUS.has(s.name)).map((s) => ({ message: `${subjectText(s)} is bound to ${g.roleRef.kind} ${g.roleRef.name}`, resource: g.bindingRef })),
      );
  },
};

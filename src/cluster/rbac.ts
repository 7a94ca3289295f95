/** The RBAC policy logic lives with the rules (src/rules/rbac/), shared with the IaC scan of manifest files. */
export * from '../rules/rbac/policy.js';

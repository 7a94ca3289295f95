import { floatingTagReason, parseImageRef } from '../image-ref.js';
import { looksLikeSecretValue, plainSecretReason } from '../secrets.js';
import type { K8sObject } from '../types.js';
import type { K8sRule } from './rule.js';
import { allContainers, asArray, asObject, asString, containersOf, describe, podSpecs } from './pod-specs.js';
import type { K8sHit } from './rule.js';

/** Workload risk checks beyond the Pod Security Standards: hardening, resources, images, secrets, health. */

function plainSecretValueReason(key: string, value: string): string | undefined {
  return looksLikeSecretValue(value) ? `the content of ${key} contains a credential` : undefined;
}

/** Kinds that run long-lived pods; probes make no sense for run-to-completion Jobs. */
function servesTraffic(object: K8sObject): boolean {
  if (object.kind === 'Job' || object.kind === 'CronJob') return false;
  const owners = asArray(object.metadata?.ownerReferences);
  return !owners.some((o) => asObject(o)?.kind === 'Job');
}

function missingResources(field: 'limits' | 'requests'): K8sRule['check'] {
  return (object) =>
    allContainers(object, ['initContainers', 'containers']).flatMap((c) => {
      const set = asObject(asObject(c.container.resources)?.[field]) ?? {};
      const missing = ['cpu', 'memory'].filter((r) => set[r] === undefined || set[r] === null || set[r] === '');
      if (missing.length === 0) return [];
      return [{ message: `${describe(c)} has no ${missing.join(' or ')} ${field === 'limits' ? 'limit' : 'request'}`, path: [...c.path, 'resources', field] }];
    });
}

function missingProbe(field: 'livenessProbe' | 'readinessProbe'): K8sRule['check'] {
  return (object) => {
    if (!servesTraffic(object)) return [];
    return allContainers(object, ['containers'])
      .filter((c) => asObject(c.container[field]) === undefined)
      .map((c) => ({ message: `${describe(c)} has no ${field}`, path: c.path }));
  };
}

export const WORKLOAD_RULES: readonly K8sRule[] = [
  {
    id: 'K8S013',
    title: 'Root filesystem is writable',
    severity: 'low',
    description: 'A writable root filesystem lets an attacker drop tools or modify binaries inside the container.',
    remediation: 'Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the application writes.',
    references: ['https://kubernetes.io/docs/tasks/configure-pod-container/security-context/'],
    check: (object) =>
      allContainers(object, ['initContainers', 'containers'])
        .filter((c) => asObject(c.container.securityContext)?.readOnlyRootFilesystem !== true)
        .map((c) => ({ message: `${describe(c)} does not set readOnlyRootFilesystem: true`, path: [...c.path, 'securityContext', 'readOnlyRootFilesystem'] })),
  },
  {
    id: 'K8S014',
    title: 'Missing CPU or memory limit',
    severity: 'medium',
    description: 'Without limits a single container can exhaust the node, starving other workloads (denial of service).',
    remediation: 'Set resources.limits.cpu and resources.limits.memory.',
    references: ['https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/'],
    check: missingResources('limits'),
  },
  {
    id: 'K8S015',
    title: 'Missing CPU or memory request',
    severity: 'low',
    description: 'Without requests the scheduler cannot place the pod sensibly, and the pod is evicted first under pressure.',
    remediation: 'Set resources.requests.cpu and resources.requests.memory.',
    references: ['https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/'],
    check: missingResources('requests'),
  },
  {
    id: 'K8S016',
    title: 'Secret in a plain environment variable',
    severity: 'high',
    description: 'A credential written as a literal env value is visible to anyone who can read the manifest or the object, and ends up in version control.',
    remediation: 'Store the value in a Secret and use env[].valueFrom.secretKeyRef (or a secret volume).',
    references: ['https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables'],
    check: (object) =>
      allContainers(object).flatMap((c) =>
        asArray(c.container.env).flatMap((e, i) => {
          const name = asString(asObject(e)?.name);
          const value = asObject(e)?.value;
          if (name === undefined || typeof value !== 'string') return [];
          const reason = plainSecretReason(name, value);
          return reason === undefined ? [] : [{ message: `${describe(c)}: ${reason}`, path: [...c.path, 'env', i, 'value'] }];
        }),
      ),
  },
  {
    id: 'K8S017',
    title: 'Image uses the latest tag or no tag',
    severity: 'medium',
    description: 'A floating tag makes deployments unreproducible and lets a changed image roll out unreviewed.',
    remediation: 'Pin the image to a version tag, or better to a digest (image@sha256:…).',
    references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names'],
    check: (object) =>
      allContainers(object).flatMap((c) => {
        const image = asString(c.container.image);
        const reason = image === undefined ? undefined : floatingTagReason(image);
        return reason === undefined ? [] : [{ message: `${describe(c)}: ${reason}`, path: [...c.path, 'image'] }];
      }),
  },
  {
    id: 'K8S018',
    title: 'Floating image tag without imagePullPolicy Always',
    severity: 'low',
    description: 'With a latest (or missing) tag and imagePullPolicy IfNotPresent or Never, each node keeps whatever image it pulled first, so replicas run different code.',
    remediation: 'Pin the image tag; failing that, set imagePullPolicy: Always.',
    references: ['https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy'],
    check: (object) =>
      allContainers(object).flatMap((c) => {
        const image = asString(c.container.image);
        const policy = asString(c.container.imagePullPolicy);
        // Left unset, the API defaults the policy to Always for floating tags.
        if (image === undefined || policy === undefined || policy === 'Always' || floatingTagReason(image) === undefined) return [];
        return [{ message: `${describe(c)} pulls "${image}" with imagePullPolicy ${policy}`, path: [...c.path, 'imagePullPolicy'] }];
      }),
  },
  {
    id: 'K8S024',
    title: 'Service account token mounted automatically',
    severity: 'medium',
    description: 'Unless the pod opts out, its service account token is mounted into every container, so any compromise can talk to the API server with that identity.',
    remediation: 'Set automountServiceAccountToken: false in the pod spec, and mount a token only where the API is really used.',
    references: ['https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting'],
    check: (object) =>
      podSpecs(object)
        .filter((pod) => pod.spec.automountServiceAccountToken !== false)
        .map((pod) => ({ message: 'automountServiceAccountToken is not false', path: [...pod.path, 'automountServiceAccountToken'] })),
  },
  {
    id: 'K8S027',
    title: 'Missing liveness probe',
    severity: 'low',
    description: 'Without a liveness probe a hung container is never restarted. Jobs and CronJobs are not checked.',
    remediation: 'Add a livenessProbe to each container.',
    references: ['https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/'],
    check: missingProbe('livenessProbe'),
  },
  {
    id: 'K8S028',
    title: 'Missing readiness probe',
    severity: 'low',
    description: 'Without a readiness probe traffic is sent to the container before it can serve it. Jobs and CronJobs are not checked.',
    remediation: 'Add a readinessProbe to each container.',
    references: ['https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/'],
    check: missingProbe('readinessProbe'),
  },
  {
    id: 'K8S034',
    title: 'Image not pinned by digest',
    severity: 'low',
    description: 'A tag can be moved to another image at any time; only a digest (image@sha256:…) names exactly the image that was reviewed and scanned.',
    remediation: 'Reference the image by digest, e.g. registry.example.com/app:1.4.2@sha256:…, and let a bot such as Renovate update it.',
    references: ['https://kubernetes.io/docs/concepts/containers/images/#image-names', 'https://kubernetes.io/docs/concepts/configuration/overview/#container-images'],
    check: (object) =>
      allContainers(object).flatMap((c) => {
        const image = asString(c.container.image);
        if (image === undefined || image.trim() === '' || parseImageRef(image).digest !== undefined) return [];
        return [{ message: `${describe(c)}: image "${image}" is not pinned by digest`, path: [...c.path, 'image'] }];
      }),
  },
  {
    id: 'K8S035',
    title: 'Runs with the root group',
    severity: 'low',
    description: 'runAsGroup, fsGroup or a supplemental group of 0 gives the processes root\'s group, and with it access to files owned by group root on volumes and in the image (NSA/CISA Kubernetes Hardening Guide: non-root users and groups).',
    remediation: 'Set runAsGroup and fsGroup to a non-zero GID and remove 0 from supplementalGroups.',
    references: ['https://kubernetes.io/docs/tasks/configure-pod-container/security-context/', 'https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF'],
    check: (object) =>
      podSpecs(object).flatMap((pod) => {
        const hits: K8sHit[] = [];
        const ctx = asObject(pod.spec.securityContext) ?? {};
        for (const field of ['runAsGroup', 'fsGroup'] as const) {
          if (ctx[field] === 0) hits.push({ message: `the pod sets ${field}: 0`, path: [...pod.path, 'securityContext', field] });
        }
        const supplemental = asArray(ctx.supplementalGroups);
        if (supplemental.includes(0)) hits.push({ message: 'the pod has supplemental group 0', path: [...pod.path, 'securityContext', 'supplementalGroups', supplemental.indexOf(0)] });
        for (const c of containersOf(pod)) {
          if (asObject(c.container.securityContext)?.runAsGroup === 0) hits.push({ message: `${describe(c)} sets runAsGroup: 0`, path: [...c.path, 'securityContext', 'runAsGroup'] });
        }
        return hits;
      }),
  },
  {
    id: 'K8S036',
    title: 'Secret in a ConfigMap',
    severity: 'high',
    description: 'ConfigMaps are not meant for confidential data: they are readable by anyone with view rights, never encrypted at rest by the Secret encryption config, and end up in version control with the manifest.',
    remediation: 'Move the value to a Secret (or an external secret store) and mount or reference it from there.',
    references: ['https://kubernetes.io/docs/concepts/configuration/configmap/', 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/'],
    check: (object) => {
      if (object.kind !== 'ConfigMap') return [];
      return Object.entries(asObject(object.data) ?? {}).flatMap(([key, value]) => {
        if (typeof value !== 'string') return [];
        // Whole files (app.properties, config.yaml) are judged by their content only: their key names a file, not a value.
        const reason = key.includes('.') ? plainSecretValueReason(key, value) : plainSecretReason(key, value);
        return reason === undefined ? [] : [{ message: `data key ${key}: ${reason}`, path: ['data', key] }];
      });
    },
  },
];

/**
 * Risk findings grouped per object and rule. A workload rule fails once per container (and a
 * cluster rule once per rule of a role), so a cluster of 89 workloads gave 1,038 findings; grouped,
 * each (workload, rule) is one finding that counts its instances and lists them (the container,
 * where in the object, and what is wrong) as its detail.
 */
import type { K8sObject, ResourceRef, RuleResult } from '../rules/types.js';
import type { ContainerType } from './workloads.js';

/** One place a rule failed in an object: a container, or the object itself. */
export interface RiskInstance {
  message: string;
  /** The container the instance is about, when it is about one. */
  container?: string;
  containerType?: ContainerType;
  /** Where in the object: `spec.template.spec.containers[0].securityContext.privileged`. */
  path?: string;
}

/** One risk finding per (object, rule): its first instance's message when alone, else a summary; every instance in `instances`. */
export interface RiskFinding extends RuleResult {
  instances: RiskInstance[];
}

/** A rule result as runK8sRules gives it (with the path of the hit) or as a cluster rule gives it (without). */
export type LocatedResult = RuleResult & { path?: Array<string | number> };

const CONTAINER_LISTS: Record<string, ContainerType> = { containers: 'container', initContainers: 'initContainer', ephemeralContainers: 'ephemeralContainer' };
/** Instances named in a group's message; the rest are counted. */
const MESSAGES_SHOWN = 3;

export function refKey(ref: ResourceRef | undefined): string {
  return JSON.stringify([ref?.kind ?? '', ref?.namespace ?? '', ref?.name ?? '']);
}

function pathText(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The container a path points into (…containers[1]…), read from the object itself. */
function containerAt(object: K8sObject | undefined, path: ReadonlyArray<string | number>): Pick<RiskInstance, 'container' | 'containerType'> {
  let node: unknown = object;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    if (node === null || typeof node !== 'object') return {};
    node = (node as Record<string | number, unknown>)[step];
    const type = typeof step === 'string' ? CONTAINER_LISTS[step] : undefined;
    if (type !== undefined && typeof path[i + 1] === 'number' && Array.isArray(node)) {
      const name = (node[path[i + 1] as number] as { name?: unknown } | undefined)?.name;
      return typeof name === 'string' ? { container: name, containerType: type } : {};
    }
  }
  return {};
}

function instanceOf(result: LocatedResult, object: K8sObject | undefined): RiskInstance {
  const instance: RiskInstance = { message: result.message };
  if (result.path !== undefined && result.path.length > 0) {
    Object.assign(instance, containerAt(object, result.path));
    instance.path = pathText(result.path);
  }
  return instance;
}

function summary(instances: RiskInstance[]): string {
  if (instances.length === 1) return instances[0]!.message;
  const shown = instances.slice(0, MESSAGES_SHOWN).map((i) => i.message);
  const more = instances.length - shown.length;
  return `${instances.length} instances: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/**
 * Groups results per (object, rule) in first-seen order. `objects` resolves a result's resource to
 * the object checked, to name the containers its paths point into.
 */
export function groupRiskResults(results: readonly LocatedResult[], objects: ReadonlyMap<string, K8sObject> = new Map()): RiskFinding[] {
  const groups = new Map<string, { first: LocatedResult; instances: RiskInstance[] }>();
  for (const r of results) {
    const key = JSON.stringify([r.rule.id, r.status, refKey(r.resource)]);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { first: r, instances: [] }));
    group.instances.push(instanceOf(r, objects.get(refKey(r.resource))));
  }
  return [...groups.values()].map(({ first, instances }) => {
    const { path: _path, ...result } = first;
    return { ...result, message: summary(instances), instances };
  });
}

import type { K8sObject } from '../types.js';
import { IGNORE_ANNOTATION, mergeSuppressions, parseIgnoreAnnotation, type Suppressions } from '../suppressions.js';
import { asObject, podSpecs } from './pod-specs.js';

/**
 * Suppressions declared on the object itself, so they also work for live
 * cluster objects, which carry no comments. The pod template's annotation is
 * read too, because it is what the created Pods inherit.
 */
export function annotationSuppressions(object: K8sObject): Suppressions {
  const values = [object.metadata?.annotations?.[IGNORE_ANNOTATION], ...podSpecs(object).map((p) => asObject(p.metadata?.annotations)?.[IGNORE_ANNOTATION])];
  return mergeSuppressions(...values.map((v) => (typeof v === 'string' ? parseIgnoreAnnotation(v) : undefined)));
}

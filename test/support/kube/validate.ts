import * as appsV1 from 'kubernetes-models/apps/v1';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { K8sObject } from '../../../src/rules/types.js';

type Model = new (data: any) => { validate(): void };

const MODELS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
  'networking.k8s.io/v1': networkingV1,
};

/**
 * Checks an object against the Kubernetes OpenAPI schema (through
 * kubernetes-models), so fixtures and the fake API server's answers have the
 * shapes a real API server gives. Throws with the schema's complaint.
 */
export function validateK8sObject(object: K8sObject): void {
  const group = MODELS[object.apiVersion ?? ''];
  const model = group?.[object.kind ?? ''] as Model | undefined;
  if (model === undefined) throw new Error(`no model for ${object.apiVersion}/${object.kind}`);
  new model(object).validate();
}

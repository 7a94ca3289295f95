import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IMAGE_VUL_HANDLE_STATUSES, IMAGE_VUL_TYPES, hssImageSeverity, imageVulSolution, imageVulUrl, type ImageSource } from '../../../domain/image.js';
import type { ImageVulsTable } from '../../../db/schema.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import type { ImageVulService } from '../../../services/images/image-vul-service.js';
import type { ImageVulFilter } from '../../../repositories/image-vul-list-repository.js';
import { EnterpriseProjectQuery, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';

// HSS names image kinds several ways across its pages; all reduce to where the image came from.
const IMAGE_TYPES = ['registry', 'local', 'local_image', 'cicd', 'private_image', 'shared_image', 'instance_image', 'harbor', 'jfrog'] as const;
const sourceOf = (t: (typeof IMAGE_TYPES)[number] | undefined): ImageSource | undefined =>
  t === undefined ? undefined : t === 'local' || t === 'local_image' ? 'local' : t === 'cicd' ? 'cicd' : 'registry';

const REPAIR_NECESSITY = ['Critical', 'High', 'Medium', 'Low', 'critical', 'high', 'medium', 'low'] as const;
const severitiesFor = (level: string) => (level.toLowerCase() === 'low' ? ['low', 'unknown'] : [level.toLowerCase()]);

const VulFields = {
  vul_id: Type.String(),
  repair_necessity: Type.String({ description: 'Critical, High, Medium or Low' }),
  description: Type.String(),
  position: Type.String({ description: 'Where the package is in the image' }),
  app_name: Type.String(),
  version: Type.String(),
  solution: Type.String(),
  url: Type.String(),
  // openhss additions
  vul_type: StringEnum(IMAGE_VUL_TYPES),
  fixed_version: Type.String(),
  cvss_score: Type.Union([Type.Number(), Type.Null()]),
  cve_ids: Type.Array(Type.String()),
  handle_status: StringEnum(IMAGE_VUL_HANDLE_STATUSES),
  first_seen_time: Type.Integer(),
};

function vulFields(r: ImageVulsTable) {
  const cves = JSON.parse(r.cve_ids) as string[];
  return {
    vul_id: r.vul_id,
    repair_necessity: hssImageSeverity(r.severity),
    description: r.title,
    position: r.package_path,
    app_name: r.package_name,
    version: r.package_version,
    solution: imageVulSolution(r.package_name, r.fixed_version),
    url: imageVulUrl(r.vul_id, cves),
    vul_type: r.vul_type as (typeof IMAGE_VUL_TYPES)[number],
    fixed_version: r.fixed_version,
    cvss_score: r.cvss_score === null ? null : Number(r.cvss_score),
    cve_ids: cves,
    handle_status: r.handle_status as (typeof IMAGE_VUL_HANDLE_STATUSES)[number],
    first_seen_time: Number(r.first_seen_at),
  };
}

const VulFilterQuery = {
  repair_necessity: Type.Optional(StringEnum(REPAIR_NECESSITY)),
  app_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  type: Type.Optional(StringEnum(IMAGE_VUL_TYPES)),
  handle_status: Type.Optional(StringEnum(IMAGE_VUL_HANDLE_STATUSES)),
};

function vulFilter(q: { repair_necessity?: string; app_name?: string; type?: (typeof IMAGE_VUL_TYPES)[number]; handle_status?: (typeof IMAGE_VUL_HANDLE_STATUSES)[number]; vul_id?: string }): ImageVulFilter {
  return {
    ...(q.repair_necessity ? { severities: severitiesFor(q.repair_necessity) } : {}),
    ...(q.app_name ? { appName: q.app_name } : {}),
    ...(q.type ? { vulType: q.type } : {}),
    ...(q.handle_status ? { handleStatus: q.handle_status } : {}),
    ...(q.vul_id ? { vulId: q.vul_id } : {}),
  };
}

/** HSS ListImageVulnerabilities, and openhss's vulnerability → images view and handling. */
export const imageVulnerabilityRoutes =
  (vuls: ImageVulService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v5/:project_id/image/:image_id/vulnerabilities',
      {
        schema: {
          operationId: 'ListImageVulnerabilities',
          summary: "List an image's vulnerabilities (by vulnerability id, then package, as exports order them)",
          tags: ['Container images'],
          params: Type.Object({ ...ProjectIdParams.properties, image_id: Type.String({ minLength: 1, maxLength: 128, description: 'The image id from the image lists, or its digest' }) }),
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            ...VulFilterQuery,
            image_type: Type.Optional(StringEnum(IMAGE_TYPES)),
            instance_id: Type.Optional(Type.String({ maxLength: 128 })),
            namespace: Type.Optional(Type.String({ maxLength: 256 })),
            image_name: Type.Optional(Type.String({ maxLength: 512 })),
            tag_name: Type.Optional(Type.String({ maxLength: 256 })),
            vul_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          }),
          headers: RegionHeader,
          response: { 200: ListOf(Type.Object(VulFields)), ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const { total, rows } = await vuls.forImage(request.params.project_id, scope, request.params.image_id, sourceOf(q.image_type), vulFilter(q), pageOf(q));
        return { total_num: total, data_list: rows.map(vulFields) };
      },
    );

    app.get(
      '/v5/:project_id/image/vulnerability/:vul_id/images',
      {
        schema: {
          operationId: 'OpenhssListVulnerabilityImages',
          summary: 'openhss: the images a vulnerability is in, one row per image and affected package',
          tags: ['Container images'],
          params: Type.Object({ ...ProjectIdParams.properties, vul_id: Type.String({ minLength: 1, maxLength: 128 }) }),
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            ...VulFilterQuery,
            global_image_type: Type.Optional(StringEnum(['registry', 'local', 'local_image', 'cicd'] as const)),
            image_name: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            image_version: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          }),
          headers: RegionHeader,
          response: {
            200: ListOf(
              Type.Object({
                id: Type.Integer(),
                image_type: Type.String(),
                image_name: Type.String(),
                image_version: Type.String(),
                namespace: Type.String(),
                registry_name: Type.String(),
                image_id: Type.String(),
                image_digest: Type.String(),
                ...VulFields,
              }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const { total, rows } = await vuls.imagesWith(
          request.params.vul_id,
          {
            projectId: request.params.project_id,
            enterpriseProjectIds: scope,
            imageType: sourceOf(q.global_image_type) ?? 'registry',
            ...(q.image_name ? { imageName: q.image_name } : {}),
            ...(q.image_version ? { imageVersion: q.image_version } : {}),
            ...(q.namespace ? { namespace: q.namespace } : {}),
          },
          vulFilter(q),
          pageOf(q),
        );
        return {
          total_num: total,
          data_list: rows.map((r) => ({
            id: Number(r.asset_id),
            image_type: r.image_type,
            image_name: r.image_name,
            image_version: r.image_version,
            namespace: r.namespace,
            registry_name: r.registry_name,
            image_id: r.image_id ?? '',
            image_digest: r.image_digest,
            ...vulFields(r),
          })),
        };
      },
    );

    app.put(
      '/v5/:project_id/image/vulnerability/handle-status',
      {
        schema: {
          operationId: 'OpenhssChangeImageVulStatus',
          summary: 'openhss: mark vulnerabilities of images handled or unhandled; kept across re-scans while the package version is unchanged',
          tags: ['Container images'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({
            image_id_list: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 1000 }),
            vul_id_list: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 1000 }),
            handle_status: StringEnum(IMAGE_VUL_HANDLE_STATUSES),
          }),
          response: { 200: Type.Object({ changed_num: Type.Integer() }), ...standardErrors },
        },
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const b = request.body;
        return { changed_num: await vuls.setHandleStatus(request.params.project_id, scope, b.image_id_list, b.vul_id_list, b.handle_status) };
      },
    );
  };

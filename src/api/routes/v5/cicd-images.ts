import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_INVENTORY_GZIP_BYTES, MAX_INVENTORY_JSON_BYTES, completeInventory, type WireInventoryDocument } from '../../../agent/protocol.js';
import { IMAGE_SCAN_STATUSES } from '../../../domain/image.js';
import type { CicdImageService } from '../../../services/images/cicd-image-service.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import { acceptCompressedJson } from '../../plugins/compressed-json.js';
import { InventoryDocumentSchema } from '../../schemas/inventory.js';
import { EnterpriseProjectQuery, Epoch, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';

const Digest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' });

const CicdImage = Type.Object({
  id: Type.Integer(),
  image_name: Type.String(),
  image_version: Type.String(),
  namespace: Type.String(),
  registry_name: Type.String(),
  image_digest: Type.String(),
  image_id: Type.String(),
  image_size: Type.Integer(),
  latest_update_time: Type.Integer(),
  latest_scan_time: Type.Integer(),
  scan_status: StringEnum(IMAGE_SCAN_STATUSES),
  scan_failed_desc: Type.String(),
});

/** openhss: images reported by CI/CD pipelines (`openhss scan image … --report-to URL`). */
export const cicdImageRoutes =
  (cicd: CicdImageService): FastifyPluginAsyncTypebox =>
  async (app) => {
    acceptCompressedJson(app, { compressedBytes: MAX_INVENTORY_GZIP_BYTES, jsonBytes: MAX_INVENTORY_JSON_BYTES });

    app.post(
      '/v5/:project_id/image/cicd/reports',
      {
        schema: {
          operationId: 'OpenhssReportCicdImage',
          summary: 'openhss: record a pipeline-scanned image (its inventory only) as a cicd image asset and match it',
          description: 'JSON, optionally with gzip Content-Encoding. The server matches the inventory against its vulnerability DB; the answer carries the totals.',
          tags: ['Container images'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({
            image_name: Type.String({ minLength: 1, maxLength: 512, description: '[registry/]repository[:tag] as the pipeline named the image' }),
            image_digest: Digest,
            image_id: Type.Optional(Digest),
            image_size: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
            scanned_at: Type.Optional(Epoch('When the pipeline analysed the image, epoch ms')),
            ...InventoryDocumentSchema,
          }),
          response: {
            200: Type.Object({
              id: Type.Integer(),
              scan_status: StringEnum(IMAGE_SCAN_STATUSES),
              vul_num: Type.Integer(),
              critical_num: Type.Integer(),
              high_num: Type.Integer(),
              medium_num: Type.Integer(),
              low_num: Type.Integer(),
              unknown_num: Type.Integer(),
            }),
            ...standardErrors,
          },
        },
        bodyLimit: MAX_INVENTORY_GZIP_BYTES,
      },
      async (request) => {
        const scope = resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id);
        const b = request.body;
        const { asset, vulNum, totals } = await cicd.report(request.params.project_id, {
          enterpriseProjectId: scope[0]!,
          reference: b.image_name,
          imageDigest: b.image_digest,
          imageId: b.image_id ?? null,
          imageSize: b.image_size ?? null,
          inventory: completeInventory({ os: b.os, packages: b.packages } as WireInventoryDocument),
          scannedAt: b.scanned_at ?? Date.now(),
        });
        return {
          id: Number(asset.id),
          scan_status: asset.scanStatus,
          vul_num: vulNum,
          critical_num: totals.critical,
          high_num: totals.high,
          medium_num: totals.medium,
          low_num: totals.low,
          unknown_num: totals.unknown,
        };
      },
    );

    app.get(
      '/v5/:project_id/image/cicd/images',
      {
        schema: {
          operationId: 'OpenhssListCicdImages',
          summary: 'openhss: images reported by CI/CD pipelines, newest first',
          tags: ['Container images'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            image_name: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            image_version: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            scan_status: Type.Optional(StringEnum(IMAGE_SCAN_STATUSES)),
            has_vul: Type.Optional(Type.Boolean()),
          }),
          headers: RegionHeader,
          response: { 200: ListOf(CicdImage), ...standardErrors },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = resolveEnterpriseScope(request.principal!, q.enterprise_project_id);
        const { total, assets } = await cicd.list(
          {
            projectId: request.params.project_id,
            enterpriseProjectIds: scope,
            ...(q.image_name ? { imageName: q.image_name } : {}),
            ...(q.image_version ? { imageVersion: q.image_version } : {}),
            ...(q.scan_status ? { scanStatus: q.scan_status } : {}),
            ...(q.has_vul !== undefined ? { hasVul: q.has_vul } : {}),
          },
          pageOf(q),
        );
        return {
          total_num: total,
          data_list: assets.map((a) => ({
            id: Number(a.id),
            image_name: a.imageName,
            image_version: a.imageVersion,
            namespace: a.namespace,
            registry_name: a.registryName,
            image_digest: a.imageDigest ?? '',
            image_id: a.imageId ?? '',
            image_size: a.imageSize ?? 0,
            latest_update_time: a.latestUpdateTime,
            latest_scan_time: a.latestScanTime ?? 0,
            scan_status: a.scanStatus,
            scan_failed_desc: a.scanFailedReason,
          })),
        };
      },
    );
  };

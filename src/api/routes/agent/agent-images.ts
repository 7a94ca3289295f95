import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_IMAGE_CONTAINERS, MAX_IMAGE_TAGS, MAX_INVENTORY_GZIP_BYTES, MAX_INVENTORY_JSON_BYTES, MAX_REPORTED_IMAGES, type ReceivedImageReport } from '../../../agent/protocol.js';
import type { LocalImageService } from '../../../services/images/local-image-service.js';
import { acceptCompressedJson } from '../../plugins/compressed-json.js';
import { InventoryDocumentSchema } from '../../schemas/inventory.js';
import { ErrorResponse } from '../../schemas/common.js';

const Text = (max: number) => Type.String({ maxLength: max });
const Digest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' });

const ReportedImage = Type.Object({
  image_id: Digest,
  image_digest: Digest,
  repo_tags: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 512 }), version: Type.String({ minLength: 1, maxLength: 256 }) }), { minItems: 1, maxItems: MAX_IMAGE_TAGS }),
  size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  created: Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]),
  source: Type.Enum(['docker', 'podman', 'dir']),
  containers: Type.Array(
    Type.Object({
      id: Type.String({ minLength: 1, maxLength: 128 }),
      name: Text(256),
      pod_id: Text(128),
      pod_name: Text(512),
      namespace: Text(256),
      cluster_id: Text(128),
    }),
    { maxItems: MAX_IMAGE_CONTAINERS },
  ),
  content_hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  inventory: Type.Optional(Type.Object(InventoryDocumentSchema)),
});

const ImageReportSchema = Type.Object({
  collected_at: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  images: Type.Array(ReportedImage, { maxItems: MAX_REPORTED_IMAGES }),
  warnings: Type.Array(Text(4096), { maxItems: 1_000 }),
  command_id: Type.Optional(Text(64)),
});

/** POST /agent/v1/images (protocol.ts): the host's local images, as its agent analysed them. */
export const agentImageRoutes =
  (localImages: LocalImageService): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Reports come gzip-compressed, with the inventory's caps; the rest of the API keeps its small JSON limit.
    acceptCompressedJson(app, { compressedBytes: MAX_INVENTORY_GZIP_BYTES, jsonBytes: MAX_INVENTORY_JSON_BYTES });

    app.post(
      '/agent/v1/images',
      {
        schema: {
          operationId: 'AgentReportImages',
          summary: "Report every local image on the host with its inventory's hash (inventories inlined when the server lacks them)",
          tags: ['Agent'],
          security: [{ agent: [] }],
          body: ImageReportSchema,
          response: {
            200: Type.Object({ applied: Type.Boolean(), needed: Type.Array(Type.String()), images: Type.Integer() }),
            400: ErrorResponse,
            401: ErrorResponse,
            500: ErrorResponse,
          },
        },
      },
      async (request) => localImages.report(request.agentHost!, request.body as ReceivedImageReport),
    );
  };

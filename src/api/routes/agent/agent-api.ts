import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_COMMAND_WAIT_MS, MAX_INVENTORY_GZIP_BYTES, MAX_INVENTORY_JSON_BYTES } from '../../../agent/protocol.js';
import type { AgentService } from '../../../services/agent-service.js';
import { acceptCompressedJson } from '../../plugins/compressed-json.js';
import { InventoryDocumentSchema, InventorySkippedPathsSchema } from '../../schemas/inventory.js';
import { ErrorResponse } from '../../schemas/common.js';

const AGENT_SECURITY = [{ agent: [] }];
const Text = (max: number) => Type.String({ maxLength: max });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 500: ErrorResponse };

const HostIdentity = Type.Object({
  machine_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  host_name: Type.String({ minLength: 1, maxLength: 256 }),
  ips: Type.Array(Text(64), { maxItems: 64 }),
  os_type: Type.Enum(['Linux', 'Windows']),
  os_name: Text(256),
  os_version: Text(128),
  kernel: Text(256),
  agent_version: Text(64),
});

const InventoryUpload = Type.Object({
  ...InventoryDocumentSchema,
  content_hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  collected_at: Type.Integer({ minimum: 0 }),
  warnings: Type.Array(Text(4096), { maxItems: 10_000 }),
  skipped_paths: Type.Optional(InventorySkippedPathsSchema),
  command_id: Type.Optional(Text(64)),
});

const InventoryUnchanged = Type.Object({
  content_hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  collected_at: Type.Integer({ minimum: 0 }),
  command_id: Type.Optional(Text(64)),
});

const Accepted = Type.Object({ changed: Type.Boolean(), content_hash: Type.String() });

/** The agent protocol (src/agent/protocol.ts): enrolment, identity, inventories, commands. */
export const agentRoutes =
  (agents: AgentService): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Inventories come gzip-compressed and may be large; the rest of the API keeps its small JSON limit.
    acceptCompressedJson(app, { compressedBytes: MAX_INVENTORY_GZIP_BYTES, jsonBytes: MAX_INVENTORY_JSON_BYTES });

    app.post(
      '/agent/v1/enroll',
      {
        schema: {
          operationId: 'AgentEnroll',
          summary: 'Exchange a one-time enrolment token for agent credentials',
          tags: ['Agent'],
          security: [],
          body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }), identity: HostIdentity }),
          response: {
            201: Type.Object({ agent_id: Type.String(), host_id: Type.String(), agent_secret: Type.String(), inventory_interval_ms: Type.Integer(), poll_wait_ms: Type.Integer() }),
            ...errors,
          },
        },
      },
      async (request, reply) => reply.code(201).send(await agents.enroll(request.body.token, request.body.identity)),
    );

    app.put(
      '/agent/v1/identity',
      { schema: { operationId: 'AgentPutIdentity', summary: "Report the host's name, addresses, OS and kernel", tags: ['Agent'], security: AGENT_SECURITY, body: HostIdentity, response: { 200: Type.Object({}), ...errors } } },
      async (request) => {
        await agents.updateIdentity(request.agentHost!, request.body);
        return {};
      },
    );

    app.post(
      '/agent/v1/inventory',
      {
        schema: {
          operationId: 'AgentUploadInventory',
          summary: "Upload the host's inventory (JSON, gzip Content-Encoding); a bad upload keeps the previous inventory",
          tags: ['Agent'],
          security: AGENT_SECURITY,
          body: InventoryUpload,
          response: { 200: Accepted, ...errors },
        },
      },
      async (request) => agents.uploadInventory(request.agentHost!, request.body as Parameters<AgentService['uploadInventory']>[1]),
    );

    app.post(
      '/agent/v1/inventory/unchanged',
      {
        schema: {
          operationId: 'AgentInventoryUnchanged',
          summary: 'Say the inventory equals the stored one (409 when the server does not hold that hash)',
          tags: ['Agent'],
          security: AGENT_SECURITY,
          body: InventoryUnchanged,
          response: { 200: Accepted, ...errors },
        },
      },
      async (request) => agents.reportUnchanged(request.agentHost!, request.body),
    );

    app.get(
      '/agent/v1/commands',
      {
        schema: {
          operationId: 'AgentPollCommands',
          summary: 'Long-poll for commands; every poll is a heartbeat',
          tags: ['Agent'],
          security: AGENT_SECURITY,
          querystring: Type.Object({ wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COMMAND_WAIT_MS, default: 25_000 })) }),
          response: { 200: Type.Object({ commands: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), issued_at: Type.Integer() })) }), ...errors },
        },
      },
      async (request, reply) => {
        // The response's 'close' before it was sent means the agent hung up: stop waiting for it.
        const aborted = new AbortController();
        reply.raw.on('close', () => aborted.abort());
        return { commands: await agents.pollCommands(request.agentHost!, request.query.wait_ms ?? 25_000, aborted.signal) };
      },
    );
  };

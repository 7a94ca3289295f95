import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalidParameter } from '../../../domain/errors.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import type { ConsoleFactsService } from '../../../services/console-facts-service.js';
import { EnterpriseProjectQuery, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';

const VulId = Type.String({ minLength: 1, maxLength: 128 });

/** A comma-separated list of 1–200 ids, each 1–128 characters. */
function idList(field: string, value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0 || ids.length > 200) throw invalidParameter(field, `Invalid parameter: ${field} must name 1 to 200 ids, comma-separated`);
  for (const id of ids) if (id.length > 128) throw invalidParameter(field, `Invalid parameter: ${field} has an id longer than 128 characters`);
  return ids;
}

/**
 * What the web console shows beside the HSS lists: KEV, fix availability
 * and image counts of vulnerabilities, one vulnerability's detail, hosts'
 * open counts by severity, and a host's installed software (HSS ListApps).
 */
export const consoleFactsRoutes =
  (facts: ConsoleFactsService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v5/:project_id/openhss/vulnerability-facts',
      {
        schema: {
          operationId: 'OpenhssListVulnerabilityFacts',
          summary: 'openhss: KEV, fix availability and the number of images, for the vulnerabilities named',
          tags: ['Vulnerability management'],
          params: ProjectIdParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery, vul_id_list: Type.String({ minLength: 1, maxLength: 26_000, description: 'Vulnerability ids, comma-separated, 1-200' }) }),
          headers: RegionHeader,
          response: {
            200: ListOf(Type.Object({ vul_id: Type.String(), kev: Type.Boolean(), fix_available: Type.Boolean(), image_num: Type.Integer() })),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await facts.vulnerabilityFacts(request.params.project_id, resolveEnterpriseScope(request.principal!, q.enterprise_project_id), idList('vul_id_list', q.vul_id_list));
        return { total_num: rows.length, data_list: rows.map((r) => ({ vul_id: r.vulId, kev: r.kev, fix_available: r.fixAvailable, image_num: r.imageNum })) };
      },
    );

    app.get(
      '/v5/:project_id/openhss/vulnerabilities/:vul_id',
      {
        schema: {
          operationId: 'OpenhssShowVulnerability',
          summary: 'openhss: one vulnerability: CVSS, KEV, aliases, references, and its affected packages with installed and fixed versions on hosts and images',
          tags: ['Vulnerability management'],
          params: Type.Object({ ...ProjectIdParams.properties, vul_id: VulId }),
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          response: {
            200: Type.Object({
              vul_id: Type.String(),
              vul_name: Type.String(),
              description: Type.String(),
              severity_level: Type.String(),
              cvss: Type.Object({
                score: Type.Union([Type.Number(), Type.Null()]),
                vector: Type.Union([Type.String(), Type.Null()]),
                version: Type.Union([Type.String(), Type.Null()]),
                source: Type.Union([Type.String(), Type.Null()]),
              }),
              kev: Type.Boolean(),
              kev_date_added: Type.String({ description: 'When CISA added it to the KEV catalog; empty when unknown or not KEV' }),
              aliases: Type.Array(Type.String()),
              references: Type.Array(Type.String()),
              published: Type.Union([Type.String(), Type.Null()]),
              modified: Type.Union([Type.String(), Type.Null()]),
              host_num: Type.Integer(),
              image_num: Type.Integer(),
              packages: Type.Array(
                Type.Object({
                  app_name: Type.String(),
                  app_type: Type.String(),
                  app_version: Type.String(),
                  upgrade_version: Type.String({ description: 'The version that fixes it; empty when no fix is known' }),
                  host_num: Type.Integer(),
                  image_num: Type.Integer(),
                }),
              ),
            }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const d = await facts.vulnerabilityDetail(request.params.project_id, resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id), request.params.vul_id);
        return {
          vul_id: d.vulId,
          vul_name: d.title,
          description: d.description,
          severity_level: d.severity,
          cvss: d.cvss,
          kev: d.kev !== null,
          kev_date_added: d.kev?.dateAdded ?? '',
          aliases: d.aliases,
          references: d.references,
          published: d.published,
          modified: d.modified,
          host_num: d.hostNum,
          image_num: d.imageNum,
          packages: d.packages.map((p) => ({ app_name: p.name, app_type: p.type, app_version: p.installedVersion, upgrade_version: p.fixedVersion, host_num: p.hostNum, image_num: p.imageNum })),
        };
      },
    );

    app.get(
      '/v5/:project_id/openhss/host-facts',
      {
        schema: {
          operationId: 'OpenhssListHostFacts',
          summary: "openhss: hosts' open vulnerabilities by severity, handled count, last scan and inventory, for the hosts named",
          tags: ['Hosts'],
          params: ProjectIdParams,
          querystring: Type.Object({ ...EnterpriseProjectQuery, host_id_list: Type.String({ minLength: 1, maxLength: 26_000, description: 'Host ids, comma-separated, 1-200' }) }),
          headers: RegionHeader,
          response: {
            200: ListOf(
              Type.Object({
                host_id: Type.String(),
                last_scan_time: Type.Integer(),
                inventory_time: Type.Integer(),
                app_num: Type.Integer(),
                match_gap: Type.String({ description: 'Why the OS packages could not be matched; empty when they were' }),
                critical_num: Type.Integer(),
                high_num: Type.Integer(),
                medium_num: Type.Integer(),
                low_num: Type.Integer(),
                handled_num: Type.Integer(),
              }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await facts.hostFacts(request.params.project_id, resolveEnterpriseScope(request.principal!, q.enterprise_project_id), idList('host_id_list', q.host_id_list));
        return {
          total_num: rows.length,
          data_list: rows.map((r) => ({
            host_id: r.hostId,
            last_scan_time: r.lastScanTime,
            inventory_time: r.inventoryTime,
            app_num: r.packageNum,
            match_gap: r.matchGap ?? '',
            critical_num: r.open.Critical,
            high_num: r.open.High,
            medium_num: r.open.Medium,
            low_num: r.open.Low,
            handled_num: r.handled,
          })),
        };
      },
    );

    app.get(
      '/v5/:project_id/asset/apps',
      {
        schema: {
          operationId: 'ListApps',
          summary: "A host's installed software, from its last inventory (openhss requires host_id)",
          tags: ['Hosts'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            host_id: Type.String({ minLength: 1, maxLength: 64 }),
            app_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            version: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            install_dir: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            category: Type.Optional(StringEnum(['host'] as const)),
            part_match: Type.Optional(Type.Boolean({ description: 'Substring match (case-insensitive) instead of exact' })),
          }),
          headers: RegionHeader,
          response: {
            200: ListOf(
              Type.Object({
                agent_id: Type.String(),
                host_id: Type.String(),
                host_name: Type.String(),
                host_ip: Type.String(),
                app_name: Type.String(),
                version: Type.String(),
                update_time: Type.Integer(),
                recent_scan_time: Type.Integer(),
                install_dir: Type.String({ description: 'openhss: where the package was found' }),
                app_type: Type.String({ description: 'openhss: deb, rpm, apk, npm, pypi, go, maven, cargo, gem, nuget, composer' }),
              }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const { total, host, apps } = await facts.hostApps(
          request.params.project_id,
          resolveEnterpriseScope(request.principal!, q.enterprise_project_id),
          q.host_id,
          { ...(q.app_name ? { appName: q.app_name } : {}), ...(q.version ? { version: q.version } : {}), ...(q.install_dir ? { installDir: q.install_dir } : {}), partMatch: q.part_match ?? false },
          pageOf(q),
        );
        return {
          total_num: total,
          data_list: apps.map((a) => ({
            agent_id: host.agentId,
            host_id: host.id,
            host_name: host.name,
            host_ip: host.ip,
            app_name: a.name,
            version: a.version,
            update_time: host.inventoryTime,
            recent_scan_time: host.lastScanTime,
            install_dir: a.path,
            app_type: a.type,
          })),
        };
      },
    );
  };

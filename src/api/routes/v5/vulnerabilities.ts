import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HOST_VUL_STATUSES, HSS_SEVERITIES, type HssSeverity } from '../../../domain/host-vul.js';
import { ASSET_VALUES } from '../../../domain/host.js';
import { VUL_TYPES } from '../../../domain/vulnerability.js';
import { invalidParameter } from '../../../domain/errors.js';
import { resolveEnterpriseScope } from '../../../services/enterprise-scope.js';
import { OPERATE_TYPES, type HostVulService } from '../../../services/host-vul-service.js';
import type { VulListFilter } from '../../../repositories/vul-list-repository.js';
import { EnterpriseProjectQuery, ListOf, PagingQuery, ProjectIdParams, RegionHeader, StringEnum, standardErrors } from '../../schemas/common.js';
import { pageOf } from '../../schemas/paging.js';

const Cve = Type.Object({ cve_id: Type.String(), cvss: Type.Number() });
const AppInfo = Type.Object({ app_name: Type.String(), app_version: Type.String(), upgrade_version: Type.String(), app_path: Type.String() });
const HostId = Type.String({ minLength: 1, maxLength: 64 });

/** What every vulnerability item says about the vulnerability itself. */
const VulFields = {
  vul_id: Type.String(),
  vul_name: Type.String(),
  label_list: Type.Array(Type.String()),
  repair_necessity: Type.String(),
  severity_level: Type.String(),
  repair_priority: Type.String(),
  solution_detail: Type.String(),
  url: Type.String(),
  description: Type.String(),
  cve_list: Type.Array(Cve),
};

const vulFields = (r: { vulId: string; title: string; severity: string; url: string; description: string; cveIds: string[]; cvssScore: number | null }, solution: string) => ({
  vul_id: r.vulId,
  vul_name: r.title,
  label_list: [],
  repair_necessity: r.severity,
  severity_level: r.severity,
  repair_priority: r.severity,
  solution_detail: solution,
  url: r.url,
  description: r.description,
  cve_list: cves(r.cveIds, r.cvssScore),
});
const VulId = Type.String({ minLength: 1, maxLength: 128 });

const CommonFilters = {
  vul_id: Type.Optional(Type.String({ minLength: 0, maxLength: 256 })),
  vul_name: Type.Optional(Type.String({ minLength: 0, maxLength: 256 })),
  status: Type.Optional(StringEnum(HOST_VUL_STATUSES)),
  handle_status: Type.Optional(StringEnum(['unhandled', 'handled'] as const)),
  asset_value: Type.Optional(StringEnum(ASSET_VALUES)),
  severity_level: Type.Optional(Type.String({ maxLength: 64, description: 'Critical, High, Medium, Low; comma-separated' })),
};

function severitiesOf(list: string | undefined): HssSeverity[] | undefined {
  if (!list) return undefined;
  const values = list.split(',').map((s) => s.trim());
  for (const v of values) if (!(HSS_SEVERITIES as readonly string[]).includes(v)) throw invalidParameter('severity_level', `Invalid parameter: severity_level ${v} is not one of ${HSS_SEVERITIES.join(', ')}`);
  return values as HssSeverity[];
}

const cves = (ids: string[], score: number | null) => ids.map((cve_id) => ({ cve_id, cvss: score ?? 0 }));
const apps = (packages: Array<{ name: string; version: string; fixed_version: string | null; path: string }>) =>
  packages.map((p) => ({ app_name: p.name, app_version: p.version, upgrade_version: p.fixed_version ?? '', app_path: p.path }));
const repairCmd = (packages: Array<{ name: string; type: string }>) => {
  const debs = packages.filter((p) => p.type === 'deb').map((p) => p.name);
  const apks = packages.filter((p) => p.type === 'apk').map((p) => p.name);
  const rpms = packages.filter((p) => p.type === 'rpm').map((p) => p.name);
  if (debs.length) return `apt-get install --only-upgrade ${debs.join(' ')}`;
  if (apks.length) return `apk upgrade ${apks.join(' ')}`;
  if (rpms.length) return `yum update ${rpms.join(' ')}`;
  return '';
};

/** HSS vulnerability lists and handling: ListVulnerabilities, ListHostVuls, ListVulHosts, ChangeVulStatus. */
export const vulnerabilityRoutes =
  (service: HostVulService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v5/:project_id/vulnerability/vulnerabilities',
      {
        schema: {
          operationId: 'ListVulnerabilities',
          summary: 'List vulnerabilities with the number of affected hosts',
          tags: ['Vulnerability management'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            ...CommonFilters,
            type: Type.Optional(StringEnum(VUL_TYPES, { default: 'linux_vul' })),
            cve_id: Type.Optional(Type.String({ maxLength: 32 })),
            repair_priority: Type.Optional(StringEnum(HSS_SEVERITIES)),
          }),
          headers: RegionHeader,
          response: {
            200: ListOf(
              Type.Object({
                ...VulFields,
                host_num: Type.Integer(),
                unhandle_host_num: Type.Integer(),
                scan_time: Type.Integer(),
                type: Type.String(),
                host_id_list: Type.Array(Type.String()),
                patch_url: Type.String(),
                hosts_num: Type.Object({ important: Type.Integer(), common: Type.Integer(), test: Type.Integer() }),
                repair_success_num: Type.Integer(),
                fixed_num: Type.Integer(),
                ignored_num: Type.Integer(),
                verify_num: Type.Integer(),
              }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const filter = filterOf(q, resolveEnterpriseScope(request.principal!, q.enterprise_project_id));
        const severities = q.repair_priority ? [q.repair_priority] : filter.severities;
        const { total, rows } = await service.vulnerabilities(request.params.project_id, { ...filter, ...(severities ? { severities } : {}), ...(q.cve_id ? { cveId: q.cve_id } : {}) }, pageOf(q));
        return {
          total_num: total,
          data_list: rows.map((r) => ({
            ...vulFields(r, 'Upgrade the affected packages to the fixed version shown for each host.'),
            host_num: r.hostNum,
            unhandle_host_num: r.unhandledHostNum,
            scan_time: r.scanTime,
            type: r.vulType,
            host_id_list: r.hostIds,
            patch_url: r.url,
            hosts_num: { important: r.important, common: r.common, test: r.test },
            repair_success_num: 0,
            fixed_num: r.fixedNum,
            ignored_num: r.ignoredNum,
            verify_num: r.verifyNum,
          })),
        };
      },
    );

    app.get(
      '/v5/:project_id/vulnerability/host/:host_id',
      {
        schema: {
          operationId: 'ListHostVuls',
          summary: "List one host's vulnerabilities",
          tags: ['Vulnerability management'],
          params: Type.Object({ ...ProjectIdParams.properties, host_id: HostId }),
          querystring: Type.Object({ ...EnterpriseProjectQuery, ...PagingQuery, ...CommonFilters, type: Type.Optional(StringEnum(VUL_TYPES, { default: 'linux_vul' })) }),
          headers: RegionHeader,
          response: {
            200: ListOf(
              Type.Object({
                ...VulFields,
                scan_time: Type.Integer(),
                first_scan_time: Type.Integer(),
                type: Type.String(),
                app_list: Type.Array(AppInfo),
                app_name: Type.String(),
                app_path: Type.String(),
                repair_cmd: Type.String(),
                status: Type.String(),
                is_affect_business: Type.Boolean(),
              }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const filter = filterOf(q, resolveEnterpriseScope(request.principal!, q.enterprise_project_id));
        const { total, rows } = await service.hostVulnerabilities(request.params.project_id, request.params.host_id, filter, pageOf(q));
        return {
          total_num: total,
          data_list: rows.map((r) => ({
            ...vulFields(r, 'Upgrade the affected packages to the versions in app_list[].upgrade_version.'),
            scan_time: r.scanTime,
            first_scan_time: r.firstScanTime,
            type: r.urgent && filter.type === 'urgent_vul' ? 'urgent_vul' : r.vulType,
            app_list: apps(r.packages),
            app_name: r.packages[0]?.name ?? '',
            app_path: r.vulType === 'app_vul' ? (r.packages[0]?.path ?? '') : '',
            repair_cmd: repairCmd(r.packages),
            status: r.status,
            is_affect_business: false,
          })),
        };
      },
    );

    app.get(
      '/v5/:project_id/vulnerability/hosts',
      {
        schema: {
          operationId: 'ListVulHosts',
          summary: 'List the hosts affected by one vulnerability',
          tags: ['Vulnerability management'],
          params: ProjectIdParams,
          querystring: Type.Object({
            ...EnterpriseProjectQuery,
            ...PagingQuery,
            ...CommonFilters,
            vul_id: Type.String({ minLength: 1, maxLength: 128 }),
            type: StringEnum(VUL_TYPES),
            host_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            host_ip: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          }),
          headers: RegionHeader,
          response: {
            200: ListOf(
                Type.Object({
                  host_id: Type.String(),
                  agent_id: Type.String(),
                  host_name: Type.String(),
                  host_ip: Type.String(),
                  private_ip: Type.String(),
                  asset_value: Type.String(),
                  repair_necessity: Type.String(),
                  severity_level: Type.String(),
                  repair_priority: Type.String(),
                  cve_num: Type.Integer(),
                  cve_id_list: Type.Array(Type.String()),
                  status: Type.String(),
                  remark: Type.String(),
                  repair_cmd: Type.String(),
                  app_path: Type.String(),
                  os_type: Type.String(),
                  os_name: Type.String(),
                  os_version: Type.String(),
                  os_kernel: Type.String(),
                  first_scan_time: Type.Integer(),
                  scan_time: Type.Integer(),
                  is_affect_business: Type.Boolean(),
                }),
            ),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const filter = filterOf(q, resolveEnterpriseScope(request.principal!, q.enterprise_project_id));
        const { total, rows } = await service.vulnerabilityHosts(
          request.params.project_id,
          { ...filter, ...(q.host_name ? { hostName: q.host_name } : {}), ...(q.host_ip ? { hostIp: q.host_ip } : {}) },
          pageOf(q),
        );
        return {
          total_num: total,
          data_list: rows.map((r) => ({
            host_id: r.hostId,
            agent_id: r.agentId,
            host_name: r.hostName,
            host_ip: r.privateIp,
            private_ip: r.privateIp,
            asset_value: r.assetValue,
            repair_necessity: r.severity,
            severity_level: r.severity,
            repair_priority: r.severity,
            cve_num: r.cveIds.length,
            cve_id_list: r.cveIds,
            status: r.status,
            remark: r.remark ?? '',
            repair_cmd: repairCmd(r.packages),
            app_path: r.vulType === 'app_vul' ? (r.packages[0]?.path ?? '') : '',
            os_type: r.osType,
            os_name: r.osName,
            os_version: r.osVersion,
            os_kernel: r.kernel,
            first_scan_time: r.firstScanTime,
            scan_time: r.scanTime,
            is_affect_business: false,
          })),
        };
      },
    );

    app.put(
      '/v5/:project_id/vulnerability/status',
      {
        schema: {
          operationId: 'ChangeVulStatus',
          summary: 'Handle vulnerabilities: ignore, not_ignore, manual_repair (mark fixed), verify, add_to_whitelist',
          tags: ['Vulnerability management'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          headers: RegionHeader,
          body: Type.Object({
            operate_type: StringEnum(OPERATE_TYPES),
            remark: Type.Optional(Type.String({ maxLength: 512 })),
            select_type: Type.Optional(StringEnum(['all_vul', 'all_host'] as const)),
            type: Type.Optional(StringEnum(VUL_TYPES, { default: 'linux_vul' })),
            data_list: Type.Optional(Type.Array(Type.Object({ vul_id: VulId, host_id_list: Type.Array(HostId, { minItems: 1, maxItems: 500 }) }), { minItems: 1, maxItems: 500 })),
            host_data_list: Type.Optional(Type.Array(Type.Object({ host_id: HostId, vul_id_list: Type.Array(VulId, { minItems: 1, maxItems: 500 }) }), { minItems: 1, maxItems: 500 })),
          }),
          response: { 200: Type.Null({ description: 'Empty body' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        const b = request.body;
        await service.changeStatus(request.params.project_id, {
          operateType: b.operate_type,
          type: b.type ?? 'linux_vul',
          ...(b.remark !== undefined ? { remark: b.remark } : {}),
          ...(b.select_type ? { selectType: b.select_type } : {}),
          ...(b.data_list ? { dataList: b.data_list.map((d) => ({ vulId: d.vul_id, hostIds: d.host_id_list })) } : {}),
          ...(b.host_data_list ? { hostDataList: b.host_data_list.map((d) => ({ hostId: d.host_id, vulIds: d.vul_id_list })) } : {}),
          enterpriseProjectIds: resolveEnterpriseScope(request.principal!, request.query.enterprise_project_id),
        });
        return reply.code(200).send(undefined as never);
      },
    );
  };

function filterOf(
  q: { type?: (typeof VUL_TYPES)[number]; vul_id?: string; vul_name?: string; status?: VulListFilter['status']; handle_status?: 'unhandled' | 'handled'; asset_value?: VulListFilter['assetValue']; severity_level?: string },
  enterpriseProjectIds: string[],
): VulListFilter {
  const severities = severitiesOf(q.severity_level);
  return {
    type: q.type ?? 'linux_vul',
    enterpriseProjectIds,
    ...(q.vul_id ? { vulId: q.vul_id } : {}),
    ...(q.vul_name ? { vulName: q.vul_name } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.handle_status ? { handleStatus: q.handle_status } : {}),
    ...(q.asset_value ? { assetValue: q.asset_value } : {}),
    ...(severities ? { severities } : {}),
  };
}

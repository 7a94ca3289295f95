import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { OverviewService } from '../../../services/overview-service.js';
import { DAY_MS } from '../../../repositories/host-vul-counts.js';
import { EnterpriseProjectQuery, ProjectIdParams, standardErrors } from '../../schemas/common.js';

const Int = (description: string) => Type.Integer({ description });
const NullableInt = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description });
const Severities = {
  critical_num: Int('Open (unhandled) findings of critical severity'),
  high_num: Int('Open findings of high severity'),
  medium_num: Int('Open findings of medium severity'),
  low_num: Int('Open findings of low severity'),
};
const ScanTask = Type.Union([
  Type.Object({
    task_id: Type.String(),
    scan_type: Type.String({ description: 'manual or schedule' }),
    status: Type.String({ description: 'running or finished' }),
    start_time: Int('epoch ms'),
    end_time: NullableInt('epoch ms; null while running'),
    host_num: Type.Integer(),
    success_host_num: Type.Integer(),
    failed_host_num: Type.Integer(),
    scanning_host_num: Type.Integer(),
  }),
  Type.Null(),
]);
const DayCounts = Type.Object({ critical_num: Type.Integer(), high_num: Type.Integer(), medium_num: Type.Integer(), low_num: Type.Integer(), open_num: Type.Integer() });

export const OverviewResponse = Type.Object({
  generated_at: Int('epoch ms'),
  enterprise_project_ids: Type.Array(Type.String(), { description: 'The enterprise projects the figures cover' }),
  hosts: Type.Object({
    total_num: Int('Hosts'),
    vulnerable_num: Int('Hosts with open findings'),
    ...Severities,
    open_num: Int('Open host × vulnerability findings (linux_vul and app_vul), as ListHostVuls counts them'),
    handled_num: Int('Ignored or fixed findings'),
    kev_num: Int('Open findings of known-exploited (KEV) vulnerabilities'),
  }),
  images: Type.Object({
    total_num: Int('Images listed (registry, local, CI/CD), not removed'),
    vulnerable_num: Int('Images with open vulnerabilities'),
    ...Severities,
    unknown_num: Int('Open vulnerabilities of unknown severity'),
    open_num: Int("Open vulnerabilities summed over images (a vulnerability counts once per image, at its worst open package's severity)"),
    handled_num: Int('Vulnerabilities whose every package row is handled, summed over images'),
  }),
  clusters: Type.Object({
    total_num: Int('Registered clusters'),
    scanned_num: Int('Clusters with a finished cluster scan'),
    ...Severities,
    open_num: Int("Failed cluster vulnerability checks of each cluster's latest scan"),
  }),
  changed_since_yesterday: Type.Object({
    compared_with: Type.Union([Type.String(), Type.Null()], { description: "Yesterday's snapshot date (UTC, YYYY-MM-DD); null when there is none" }),
    host_new_num: Int('Host findings first found today (UTC)'),
    host_fixed_num: Int('Host findings no longer found today (the package was upgraded or removed)'),
    host_open_delta: NullableInt("Open host findings now minus in yesterday's snapshot"),
    image_open_delta: NullableInt("Open image vulnerabilities now minus in yesterday's snapshot"),
  }),
  trend: Type.Array(
    Type.Object({
      date: Type.String({ description: 'UTC day, YYYY-MM-DD' }),
      hosts: DayCounts,
      images: DayCounts,
      open_num: Int('Open host findings plus open image vulnerabilities'),
      live: Type.Boolean({ description: 'Today: the current figures; earlier days: the day’s last snapshot' }),
    }),
    { description: `Open findings per day for the last 30 days (days without a snapshot are left out), oldest first; the last point is today` },
  ),
  top_hosts: Type.Array(
    Type.Object({
      host_id: Type.String(),
      host_name: Type.String(),
      private_ip: Type.String(),
      os_type: Type.String(),
      os_name: Type.String(),
      os_version: Type.String(),
      asset_value: Type.String(),
      last_scan_time: NullableInt('epoch ms'),
      ...Severities,
      kev_num: Type.Integer(),
    }),
    { description: 'The 10 hosts with the most open critical findings, then high, medium, low (then by host id)' },
  ),
  top_images: Type.Array(
    Type.Object({
      id: Type.String({ description: 'The image (asset) id of the image lists' }),
      image_type: Type.String({ description: 'registry, local or cicd' }),
      image_name: Type.String(),
      image_version: Type.String(),
      namespace: Type.String(),
      registry_name: Type.String(),
      image_digest: Type.Union([Type.String(), Type.Null()]),
      latest_scan_time: NullableInt('epoch ms'),
      ...Severities,
      unknown_num: Type.Integer(),
      kev_num: Type.Integer(),
    }),
    { description: 'The 10 images with the most open critical vulnerabilities, then high, medium, low, unknown' },
  ),
  kev: Type.Object({
    vul_num: Int('Known-exploited vulnerabilities open on a host or image'),
    host_finding_num: Int('Open host findings of them'),
    list: Type.Array(
      Type.Object({
        vul_id: Type.String(),
        title: Type.String(),
        severity: Type.String(),
        cvss_score: Type.Union([Type.Number(), Type.Null()]),
        cve_ids: Type.Array(Type.String()),
        host_num: Int('Hosts where it is open'),
        image_num: Int('Images where it is open'),
      }),
      { description: 'Up to 10, on the most hosts and images first' },
    ),
  }),
  scans: Type.Object({
    policy_status: Type.String({ description: 'The vulnerability scan policy: open or close' }),
    next_scan_time: NullableInt('The next scheduled scan, epoch ms; null when the policy is closed'),
    last_scan: ScanTask,
    last_scheduled_scan: ScanTask,
  }),
  vulnerability_db: Type.Object(
    {
      demo: Type.Boolean({ description: 'The built-in demo DB is in use: findings are not real (show a banner)' }),
      stale: Type.Boolean({ description: 'The demo, or not updated within the update interval (show a banner)' }),
      built_at: NullableInt('When the DB file in use was built, epoch ms'),
      age_seconds: NullableInt('Seconds since built_at'),
      update_interval_hours: Int('Automatic updates run this often (0: off)'),
      last_success_time: NullableInt('The last update with every feed fetched, epoch ms'),
      last_attempt_time: NullableInt('The last update attempt, epoch ms'),
      last_error: Type.Union([Type.String(), Type.Null()], { description: "The last failed update's message" }),
    },
    { description: 'How current the vulnerability DB is; GET …/openhss/vulnerability-db has the details' },
  ),
});

const millis = (iso: string | null) => (iso ? Date.parse(iso) : null);

const taskBody = (t: { id: string; scan_type: string; status: string; start_time: number; end_time: number | null; host_num: number; success_host_num: number; failed_host_num: number; scanning_host_num: number } | null) =>
  t && {
    task_id: t.id,
    scan_type: t.scan_type,
    status: t.status,
    start_time: Number(t.start_time),
    end_time: t.end_time === null ? null : Number(t.end_time),
    host_num: Number(t.host_num),
    success_host_num: Number(t.success_host_num),
    failed_host_num: Number(t.failed_host_num),
    scanning_host_num: Number(t.scanning_host_num),
  };
const dayCounts = (c: { critical: number; high: number; medium: number; low: number }) => ({
  critical_num: c.critical,
  high_num: c.high,
  medium_num: c.medium,
  low_num: c.low,
  open_num: c.critical + c.high + c.medium + c.low,
});

/** openhss: the console's overview, from counts kept as findings are written (fast at any fleet size). */
export const overviewRoutes =
  (overview: OverviewService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v5/:project_id/openhss/overview',
      {
        schema: {
          operationId: 'ShowOverview',
          summary:
            'openhss: the dashboard: open findings by severity for hosts, images and clusters, changes since yesterday, a 30-day trend, the most vulnerable hosts and images, known-exploited (KEV) vulnerabilities, the last and next scans and the vulnerability DB status',
          tags: ['Vulnerability management'],
          params: ProjectIdParams,
          querystring: Type.Object(EnterpriseProjectQuery),
          response: { 200: OverviewResponse, ...standardErrors },
        },
      },
      async (request) => {
        const o = await overview.overview(request.principal!, request.params.project_id, request.query.enterprise_project_id);
        const h = o.hosts;
        const i = o.images;
        const c = o.clusters;
        return {
          generated_at: o.generatedAt,
          enterprise_project_ids: o.enterpriseProjectIds,
          hosts: { total_num: h.total, vulnerable_num: h.vulnerable, ...dayCounts(h), handled_num: h.handled, kev_num: h.kev },
          images: {
            total_num: i.total,
            vulnerable_num: i.vulnerable,
            critical_num: i.critical,
            high_num: i.high,
            medium_num: i.medium,
            low_num: i.low,
            unknown_num: i.unknown,
            open_num: i.critical + i.high + i.medium + i.low + i.unknown,
            handled_num: i.handled,
          },
          clusters: { total_num: c.total, scanned_num: c.scanned, ...dayCounts(c) },
          changed_since_yesterday: {
            compared_with: o.changed.comparedWith === null ? null : new Date(o.changed.comparedWith * DAY_MS).toISOString().slice(0, 10),
            host_new_num: o.changed.hostNew,
            host_fixed_num: o.changed.hostFixed,
            host_open_delta: o.changed.hostOpenDelta,
            image_open_delta: o.changed.imageOpenDelta,
          },
          trend: o.trend.map((p) => {
            const hosts = dayCounts(p.hostOpen);
            const images = dayCounts(p.imageOpen);
            return { date: new Date(p.day * DAY_MS).toISOString().slice(0, 10), hosts, images, open_num: hosts.open_num + images.open_num, live: p.live };
          }),
          top_hosts: o.topHosts.map((r) => ({
            host_id: r.id,
            host_name: r.host_name,
            private_ip: r.private_ip,
            os_type: r.os_type,
            os_name: r.os_name,
            os_version: r.os_version,
            asset_value: r.asset_value,
            last_scan_time: r.last_scan_at,
            critical_num: r.vul_critical_num,
            high_num: r.vul_high_num,
            medium_num: r.vul_medium_num,
            low_num: r.vul_low_num,
            kev_num: r.vul_kev_num,
          })),
          top_images: o.topImages.map((r) => ({
            id: r.id,
            image_type: r.image_type,
            image_name: r.image_name,
            image_version: r.image_version,
            namespace: r.namespace,
            registry_name: r.registry_name,
            image_digest: r.image_digest,
            latest_scan_time: r.latest_scan_time,
            critical_num: r.critical,
            high_num: r.high,
            medium_num: r.medium,
            low_num: r.low,
            unknown_num: r.unknown,
            kev_num: r.openKev.length,
          })),
          kev: {
            vul_num: o.kev.vulNum,
            host_finding_num: o.kev.hostFindingNum,
            list: o.kev.top.map((k) => ({ vul_id: k.vulId, title: k.title, severity: k.severity, cvss_score: k.cvssScore, cve_ids: k.cveIds, host_num: k.hostNum, image_num: k.imageNum })),
          },
          scans: {
            policy_status: o.scans.policyStatus,
            next_scan_time: o.scans.nextScanTime,
            last_scan: taskBody(o.scans.lastScan),
            last_scheduled_scan: taskBody(o.scans.lastScheduledScan),
          },
          vulnerability_db: {
            demo: o.vulnDb.demo,
            stale: o.vulnDb.stale,
            built_at: millis(o.vulnDb.builtAt),
            age_seconds: o.vulnDb.ageSeconds,
            update_interval_hours: o.vulnDb.updateIntervalHours,
            last_success_time: millis(o.vulnDb.lastSuccessAt),
            last_attempt_time: millis(o.vulnDb.lastAttemptAt),
            last_error: o.vulnDb.lastError,
          },
        };
      },
    );
  };

import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { AuthService } from '../services/auth-service.js';
import type { ScanPolicyService } from '../services/scan-policy-service.js';
import type { HttpMetrics } from '../observability/metrics.js';
import { createValidatorCompiler } from './validation.js';
import { errorBody } from './errors/api-error.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerAuthentication } from './plugins/authentication.js';
import { registerProjectScope } from './plugins/project-scope.js';
import { registerHttpMetrics } from './plugins/http-metrics.js';
import { registerConsole } from './plugins/console.js';
import { healthRoutes, type ReadinessProbe } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { iamTokenRoutes } from './routes/iam-tokens.js';
import { vulnerabilityScanPolicyRoutes } from './routes/v5/vulnerability-scan-policy.js';
import { vulnerabilityScanTaskRoutes } from './routes/v5/vulnerability-scan-tasks.js';
import { vulnerabilityRoutes } from './routes/v5/vulnerabilities.js';
import { hostRoutes } from './routes/v5/hosts.js';
import { agentEnrolmentTokenRoutes } from './routes/v5/agent-enrolment-tokens.js';
import { agentRoutes } from './routes/agent/agent-api.js';
import type { AgentService } from '../services/agent-service.js';
import type { HostService } from '../services/host-service.js';
import type { HostVulService } from '../services/host-vul-service.js';
import type { VulScanService } from '../services/vul-scan-service.js';
import type { ExportService } from '../services/export-service.js';
import { exportRoutes } from './routes/v5/exports.js';
import type { ImageScanService } from '../services/images/image-scan-service.js';
import { imageScanTaskRoutes } from './routes/v5/image-scan-tasks.js';
import { imageVulnerabilityRoutes } from './routes/v5/image-vulnerabilities.js';
import type { ImageVulService } from '../services/images/image-vul-service.js';
import type { CicdImageService } from '../services/images/cicd-image-service.js';
import { cicdImageRoutes } from './routes/v5/cicd-images.js';
import type { CommonTaskService } from '../services/jobs/common-task-service.js';
import type { ClusterService } from '../services/jobs/cluster-service.js';
import type { IacFileService } from '../services/jobs/iac-file-service.js';
import type { JobScheduler } from '../services/jobs/job-scheduler.js';
import { commonTaskRoutes } from './routes/v5/common-tasks.js';
import { jobInputRoutes } from './routes/v5/job-inputs.js';
import type { RegistryService } from '../services/images/registry-service.js';
import { registryRoutes } from './routes/v5/registries.js';
import type { LocalImageService } from '../services/images/local-image-service.js';
import { localImageRoutes } from './routes/v5/local-images.js';
import { agentImageRoutes } from './routes/agent/agent-images.js';
import { agentKubernetesNodeRoutes } from './routes/agent/agent-k8s-node.js';
import type { KubernetesNodeService } from '../services/k8s-node-service.js';
import type { VulnDbUpdater } from '../services/vulndb-updater.js';
import { vulnerabilityDbRoutes } from './routes/v5/vulnerability-db.js';
import type { AccountService } from '../services/account-service.js';
import { accountRoutes } from './routes/account.js';
import type { OverviewService } from '../services/overview-service.js';
import { overviewRoutes } from './routes/v5/overview.js';
import { consoleFactsRoutes } from './routes/v5/console-facts.js';
import type { ConsoleFactsService } from '../services/console-facts-service.js';

/** The use cases the routes call; the runtime's services, or a test's. */
export interface AppServices {
  auth: AuthService;
  scanPolicies: ScanPolicyService;
  agents: AgentService;
  hosts: HostService;
  vulScans: VulScanService;
  hostVuls: HostVulService;
  exports: ExportService;
  imageScans: ImageScanService;
  registries: RegistryService;
  localImages: LocalImageService;
  k8sNodes: KubernetesNodeService;
  imageVuls: ImageVulService;
  cicdImages: CicdImageService;
  commonTasks: CommonTaskService;
  clusters: ClusterService;
  iacFiles: IacFileService;
  jobSchedules: JobScheduler;
  vulnDbUpdater: VulnDbUpdater;
  accounts: AccountService;
  overview: OverviewService;
  consoleFacts: ConsoleFactsService;
}

export interface AppDependencies {
  logger: Logger;
  services: AppServices;
  readiness: ReadinessProbe;
  metrics: HttpMetrics;
  bodyLimit: number;
  signatureMaxSkewSeconds: number;
  trustProxy?: boolean;
  now?: () => number;
  version: string;
  /**
   * Called when a route answers a status its schema (and so /openapi.json)
   * does not list; the test app fails on it, so every status a route can
   * give is documented.
   */
  onUndocumentedStatus?: (route: string, status: number) => void;
  /** The built web console to serve at / (default: <repo>/dist/console). */
  consoleDir?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Builds the HTTP API. Routes are thin; every use case lives in a service handed in here. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const services = deps.services;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    trustProxy: deps.trustProxy ?? false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID().replaceAll('-', '');
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    ajv: { customOptions: { strict: false } },
    // Errors raised while routing, before any hook runs.
    frameworkErrors: (err, request, reply) => {
      const code = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'HSS.0001' : 'HSS.0002';
      const message = code === 'HSS.0001' ? 'Invalid parameter: a path parameter is longer than 512 characters' : 'The request URL could not be parsed';
      void (reply as FastifyReply).code(400).header('X-Request-Id', request.id).type('application/json; charset=utf-8').send(errorBody(code, message, request.id));
    },
    // Requests too broken for the HTTP parser still get an HSS body rather than Node's bare 400.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return;
      const body = JSON.stringify(errorBody('HSS.0002', `The request could not be parsed: ${(err as NodeJS.ErrnoException).code ?? 'bad request'}`, randomUUID().replaceAll('-', '')));
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  const undocumented = deps.onUndocumentedStatus;
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    const documented = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
    if (undocumented && documented && !(String(reply.statusCode) in documented)) undocumented(`${request.method} ${request.routeOptions.url}`, reply.statusCode);
  });

  registerErrorHandling(app, deps.bodyLimit);
  registerJsonBody(app);
  registerAuthentication(app, {
    auth: services.auth,
    authenticateAgent: (authorization) => services.agents.authenticate(authorization),
    bodyLimit: deps.bodyLimit,
    signatureMaxSkewSeconds: deps.signatureMaxSkewSeconds,
    ...(deps.now ? { now: deps.now } : {}),
  });
  registerProjectScope(app);
  registerHttpMetrics(app, deps.metrics);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'openhss API',
        version: deps.version,
        description: 'Self-hosted, HSS v5 wire-compatible vulnerability scanning service.',
      },
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'Token from POST /v3/auth/tokens or `openhss token`' },
          aksk: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'SDK-HMAC-SHA256 request signature (Huawei Cloud SDK signing)' },
          agent: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'OpenHSS-Agent <agent_id>:<agent_secret>, from POST /agent/v1/enroll' },
        },
      },
      security: [{ token: [] }, { aksk: [] }],
    },
  });
  // The API description and its viewer are public, like the health checks: they hold no tenant data.
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true, security: [] } as typeof route.schema;
    });
    await scope.register(swaggerUi, { routePrefix: '/docs' });
    scope.get('/openapi.json', async () => scope.swagger());
  });
  // The web console's static files, public too for the same reason; hidden from /openapi.json.
  await registerConsole(app, deps.consoleDir ? { dir: deps.consoleDir } : {});

  await app.register(healthRoutes(deps.readiness));
  await app.register(metricsRoutes(deps.metrics.registry));
  await app.register(iamTokenRoutes(services.auth));
  await app.register(vulnerabilityScanPolicyRoutes(services.scanPolicies));
  await app.register(vulnerabilityScanTaskRoutes(services.vulScans));
  await app.register(vulnerabilityRoutes(services.hostVuls));
  await app.register(hostRoutes(services.hosts));
  await app.register(exportRoutes(services.exports));
  await app.register(agentEnrolmentTokenRoutes(services.agents));
  await app.register(agentRoutes(services.agents));
  await app.register(imageScanTaskRoutes(services.imageScans));
  await app.register(imageVulnerabilityRoutes(services.imageVuls));
  await app.register(cicdImageRoutes(services.cicdImages));
  await app.register(commonTaskRoutes(services.commonTasks));
  await app.register(jobInputRoutes({ clusters: services.clusters, files: services.iacFiles, schedules: services.jobSchedules }));
  await app.register(registryRoutes(services.registries));
  await app.register(localImageRoutes(services.localImages));
  await app.register(agentImageRoutes(services.localImages));
  await app.register(agentKubernetesNodeRoutes(services.k8sNodes));
  await app.register(vulnerabilityDbRoutes(services.vulnDbUpdater, services.accounts));
  await app.register(accountRoutes(services.accounts));
  await app.register(overviewRoutes(services.overview));
  await app.register(consoleFactsRoutes(services.consoleFacts));
  return app;
}

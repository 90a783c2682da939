import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { ArtifactStore } from '../artifacts/types.js';
import { JOB_ID_PATTERN } from '../jobs/ids.js';
import { type LocalRepoPolicy, NO_LOCAL_REPOS } from '../jobs/localRepoAccess.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import type { JobStore } from '../store/types.js';
import { installRoot } from '../util/installRoot.js';
import type { ApiAuth } from './ApiAuth.js';
import type { ApiDeps } from './ApiDeps.js';
import { registerArtifactRoutes } from './artifacts.js';
import { installBodyLimit } from './bodyLimit.js';
import { installErrorHandlers, WWW_AUTHENTICATE } from './errorHandler.js';
import { registerEventRoutes } from './events.js';
import { registerHealthRoutes } from './health.js';
import { isLoopbackHostHeader } from './isLoopback.js';
import { JobEventHub } from './JobEventHub.js';
import { registerJobRoutes } from './jobs.js';
import { registerMetricsRoute } from './metrics.js';
import { registerOpenApiRoute } from './openapi.js';
import { ServerMetrics } from './ServerMetrics.js';
import { SECURITY_HEADERS } from './securityHeaders.js';

export interface ServerOptions {
  store: JobStore;
  logger: Logger;
  auth: ApiAuth;
  /** Created when absent; pass one to feed it from an embedded Runner's onOutput. */
  metrics?: ServerMetrics;
  /** Serves GET /api/jobs/:id/artifacts[/:name] (an empty list without one). */
  artifacts?: ArtifactStore;
  /** The built dashboard (default: dist/web of this package); null serves no UI. */
  webRoot?: string | null;
  /** Largest request body in bytes (413 above it). Default 1 MiB. */
  bodyLimit?: number;
  /** Job creations per client per minute (429 above it). Default 60. */
  createPerMinute?: number;
  ssePollMs?: number;
  /** Live job events (pass one to feed it from an embedded Runner's onStored); created when absent. */
  events?: JobEventHub;
  sseHeartbeatMs?: number;
  version?: string;
  /** Parses submitted specs (default: no repo defaults). */
  resolveSpec?: SpecResolver;
  /** More routes in their own encapsulated contexts (e.g. the forge webhooks, outside /api's auth). */
  plugins?: FastifyPluginAsync[];
  /** More route sets (intakes such as plans register theirs), given the shared route dependencies. */
  routes?: ((app: FastifyInstance, deps: ApiDeps) => void)[];
  /** Local repositories (paths, file:// URLs) API submitters may name (default: none). */
  localRepos?: LocalRepoPolicy;
}

/** The dashboard the build put in <install root>/dist/web (found from the bundled CLI too). */
export const DEFAULT_WEB_ROOT = `${join(installRoot(), 'dist', 'web')}/`;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function isApiPath(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  const route = request.routeOptions.url ?? '';
  return [path, route].some((p) => p === '/api' || p.startsWith('/api/'));
}

/**
 * The HTTP server: JSON API under /api (bearer auth, zod-validated), SSE job streams, health and
 * metrics routes, and the prebuilt dashboard at /. Not listening yet: call listen() on the result.
 */
export async function buildServer(
  opts: ServerOptions,
): Promise<FastifyInstance & { metrics: ServerMetrics }> {
  const { store, auth } = opts;
  const logger = opts.logger.child({ component: 'api' });
  const metrics = opts.metrics ?? new ServerMetrics(store, logger);
  const app: FastifyInstance = Fastify({
    // pino's Logger and Fastify's logger type differ only in generics.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const deps: ApiDeps = {
    store,
    logger,
    auth,
    metrics,
    resolveSpec: opts.resolveSpec ?? parseJobSpec,
    localRepos: opts.localRepos ?? NO_LOCAL_REPOS,
    ...(opts.artifacts ? { artifacts: opts.artifacts } : {}),
    sse: {
      pollMs: opts.ssePollMs ?? 250,
      heartbeatMs: opts.sseHeartbeatMs ?? 15_000,
      open: new Set(),
      hub: opts.events ?? new JobEventHub(store, { pollMs: opts.ssePollMs ?? 250, logger }),
    },
  };

  new Gauge({
    name: 'drover_sse_streams',
    help: 'Open job event streams',
    registers: [metrics.registry],
    collect() {
      this.set(deps.sse.open.size);
    },
  });

  new Gauge({
    name: 'drover_sse_job_pollers',
    help: 'Jobs whose event streams are read from the store now (one poller per job, shared by its streams)',
    registers: [metrics.registry],
    collect() {
      this.set(deps.sse.hub.pollers);
    },
  });
  let readsSeen = 0;
  new Counter({
    name: 'drover_sse_store_reads_total',
    help: 'Store reads made by the event stream pollers',
    registers: [metrics.registry],
    collect() {
      this.inc(deps.sse.hub.storeReads - readsSeen);
      readsSeen = deps.sse.hub.storeReads;
    },
  });

  installErrorHandlers(app);
  installBodyLimit(app, { limit: opts.bodyLimit ?? 1024 * 1024 });
  // An empty JSON body is "no body" (POST /cancel with a JSON content type), not a parse error.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else jsonParser(request, body as string, done);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!isApiPath(request)) return;
    if (!auth.enabled) {
      // No tokens means loopback only; a foreign Host header means DNS rebinding from a web page.
      if (!isLoopbackHostHeader(request.headers.host)) {
        return reply
          .code(403)
          .send({ error: 'Host not allowed without API tokens', code: 'E_FORBIDDEN_HOST' });
      }
      return;
    }
    if (auth.verifyHeader(request.headers.authorization)) return;
    const given = request.headers.authorization !== undefined;
    return reply
      .code(401)
      .header('www-authenticate', given ? `${WWW_AUTHENTICATE}, error="invalid_token"` : WWW_AUTHENTICATE)
      .send({
        error: given
          ? 'The API token is not valid.'
          : 'A valid API token is required (Authorization: Bearer <token>).',
        code: 'E_UNAUTHORIZED',
      });
  });
  app.addHook('onSend', async (request, reply) => {
    reply.headers({ ...SECURITY_HEADERS, 'x-request-id': String(request.id) });
  });
  app.addHook('onResponse', async (request, reply) => {
    const quiet = request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics';
    request.log[quiet ? 'debug' : 'info'](
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  app.addHook('preClose', async () => {
    for (const conn of deps.sse.open) conn.close();
    deps.sse.hub.close();
  });
  app.addHook('onClose', async () => metrics.close());

  await app.register(rateLimit, {
    global: false,
    // Per token when auth is on (many users may share an address), else per address.
    keyGenerator: (request) => {
      const header = request.headers.authorization;
      return header ? createHash('sha256').update(header).digest('hex') : request.ip;
    },
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: 'E_RATE_LIMITED',
      message: `Too many jobs created; retry in ${context.after}.`,
    }),
  });

  registerHealthRoutes(app, store);
  registerMetricsRoute(app, metrics);
  registerOpenApiRoute(app, opts.version ?? '0.0.0');
  registerJobRoutes(app, deps, { createPerMinute: opts.createPerMinute ?? 60 });
  registerEventRoutes(app, deps);
  registerArtifactRoutes(app, deps);
  for (const plugin of opts.plugins ?? []) await app.register(plugin);
  for (const register of opts.routes ?? []) register(app, deps);

  // Links Drover writes elsewhere (PR bodies, forge comments) use plain paths; the dashboard routes by hash.
  app.get('/jobs/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!JOB_ID_PATTERN.test(id)) return reply.code(404).send({ error: 'Not found', code: 'E_NOT_FOUND' });
    return reply.redirect(`/#/jobs/${id}`, 302);
  });

  const webRoot = opts.webRoot === undefined ? DEFAULT_WEB_ROOT : opts.webRoot;
  if (webRoot && existsSync(`${webRoot}/index.html`)) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      wildcard: false,
      setHeaders: (res, path) => {
        // Vite puts a content hash in every asset name; index.html must always be revalidated.
        res.setHeader(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  } else if (webRoot !== null) {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('The Drover dashboard is not built. Run `npm run build`; the API is under /api.\n'),
    );
  }
  return Object.assign(app, { metrics });
}

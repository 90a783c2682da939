import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import {
  MODEL_WIRES,
  type ModelAccess,
  type ModelBudgets,
  type ModelSession,
  type ModelWireName,
} from '../pipeline/ModelAccess.js';
import { forwardCall } from './forwardCall.js';
import { type GatewayConfig, secretOf, type Upstream } from './GatewayConfig.js';
import type { GatewayMetrics } from './GatewayMetrics.js';
import { GatewaySession } from './GatewaySession.js';
import { sendJson } from './relayHttp.js';
import { WIRES } from './wires/registry.js';

/** Keys of one user, from the encrypted secrets store (`drover secrets set-model-key`). */
export type UserModelKeys = (userId: string) => Promise<Partial<Record<ModelWireName, string>>>;

export interface ModelGatewayOptions {
  config: GatewayConfig;
  logger: Logger;
  /** The Prometheus series (`drover serve`'s /metrics). */
  metrics?: GatewayMetrics;
  userKeys?: UserModelKeys;
}

/** Requests one job may have at the gateway at once (each may hold a request body in memory). */
const MAX_ACTIVE_PER_JOB = 16;

/** `/j/<session>/<wire><path>`: each job has its own base URLs. */
const JOB_PATH = /^\/j\/([A-Za-z0-9_-]{12})\/(anthropic|openai|gemini)(\/[^?#]*)?$/;

/**
 * The model gateway of one runner process: an HTTP server on 127.0.0.1 (a random port) between every
 * agent and its model API. Each job attempt opens a session with a random token and its own base URLs;
 * the gateway checks the token, replaces it with the real key, enforces the job's budgets before a
 * call goes out, streams the answer back as it arrives and records each call's usage and cost.
 */
export class ModelGateway implements ModelAccess {
  private readonly sessions = new Map<string, GatewaySession>();
  /** undici (a hundred modules) is loaded on the first upstream call, not at every runner's start. */
  private dispatcher: Promise<Dispatcher> | undefined;
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly opts: ModelGatewayOptions,
  ) {}

  private upstreamDispatcher(): Promise<Dispatcher> {
    this.dispatcher ??= import('undici').then(
      ({ EnvHttpProxyAgent }) => new EnvHttpProxyAgent({ ...this.opts.config.proxy, allowH2: false }),
    );
    return this.dispatcher;
  }

  static async start(opts: ModelGatewayOptions): Promise<ModelGateway> {
    const server = createServer({ noDelay: true, keepAliveTimeout: 30_000 });
    const gateway = new ModelGateway(server, opts);
    server.on('request', (req, res) => gateway.handle(req, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Loopback only: agents run on this machine (in its network namespace, also under bubblewrap).
      server.listen(0, '127.0.0.1', () => resolve());
    });
    gateway.port = (server.address() as AddressInfo).port;
    return gateway;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async openJob(job: { id: string; userId?: string }, budgets: ModelBudgets): Promise<ModelSession> {
    const { upstreams } = this.opts.config;
    const userKeys = job.userId && this.opts.userKeys ? await this.opts.userKeys(job.userId) : {};
    const auth: Partial<Record<ModelWireName, [string, string]>> = {};
    const session = new GatewaySession(job.id, budgets, auth, (s) => this.sessions.delete(s.id));
    for (const name of MODEL_WIRES) {
      const upstream = upstreams[name];
      const own = userKeys[name];
      const header = own ? userAuth(name, own) : upstream.auth;
      if (header) auth[name] = header;
      const secret = own ?? secretOf(upstream.auth);
      if (secret) session.secrets.push(secret);
      const suffix = name === 'openai' ? '/v1' : '';
      session.wires[name] = { baseUrl: `${this.url}/j/${session.id}/${name}${suffix}`, token: session.token };
      if (header || upstream.custom) session.configured.push(name);
      else session.notes[name] = `no API key for ${name} on this runner: its calls are refused`;
    }
    this.sessions.set(session.id, session);
    return session;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const m = JOB_PATH.exec(pathname);
    if (!m) {
      req.resume();
      sendJson(res, 404, { error: { message: 'Drover model gateway: unknown path.' } }, false);
      return;
    }
    const wire = WIRES[m[2] as ModelWireName];
    const path = m[3] ?? '/';
    const session = this.sessions.get(m[1]!);
    const route = wire.route(req.method ?? 'GET', path);
    const refuse = (reason: 'unauthorized' | 'not_found' | 'too_many', message: string) => {
      req.resume();
      const err = wire.error(reason, message);
      sendJson(res, err.status, err.body, false);
      this.opts.metrics?.refused(wire.name, reason);
    };
    if (route?.kind === 'probe' && session) {
      // Claude Code's connectivity probe carries no key and learns nothing.
      req.resume();
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      return;
    }
    if (!session?.verify(wire.presentedToken(req.headers, query))) {
      refuse('unauthorized', 'Drover: this token is not valid for this job (or the job has ended).');
      return;
    }
    if (!route || route.kind === 'probe') {
      refuse('not_found', `Drover: ${req.method} ${path} is not a ${wire.name} route the gateway serves.`);
      return;
    }
    if (session.active >= MAX_ACTIVE_PER_JOB) {
      refuse('too_many', `Drover: this job already has ${MAX_ACTIVE_PER_JOB} requests in flight.`);
      return;
    }
    session.active++;
    res.once('close', () => session.active--);
    const upstream: Upstream = { ...this.opts.config.upstreams[wire.name] };
    const auth = session.auth[wire.name];
    if (auth) upstream.auth = auth;
    else delete upstream.auth;
    this.upstreamDispatcher()
      .then((dispatcher) =>
        forwardCall(
          { req, res, session, wire, route, path, query, upstream },
          {
            dispatcher,
            prices: this.opts.config.prices,
            maxBodyBytes: this.opts.config.maxBodyBytes,
            recordBodies: this.opts.config.recordBodies,
            ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}),
            logger: this.opts.logger,
          },
        ),
      )
      .catch((err) => {
        this.opts.logger.warn({ err, jobId: session.jobId }, 'model gateway call failed');
        if (!res.headersSent) sendJson(res, 500, { error: { message: 'Drover model gateway error' } }, false);
        else res.destroy();
      });
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.dispatcher) await (await this.dispatcher).close().catch(() => {});
  }
}

function userAuth(name: ModelWireName, key: string): [string, string] {
  if (name === 'openai') return ['authorization', `Bearer ${key}`];
  if (name === 'gemini') return ['x-goog-api-key', key];
  return ['x-api-key', key];
}

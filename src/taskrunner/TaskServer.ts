import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { parseAssignment, type TaskAssignment } from './TaskAssignment.js';

export const TASK_BODY_LIMIT = 1024 * 1024;

export interface ListenAddress {
  /** Empty: every interface (IPv6 and IPv4). */
  host: string;
  port: number;
}

/** `:8888`, `8888`, `0.0.0.0:8888`, `[::1]:8888` → host and port. */
export function parseListen(value: string): ListenAddress {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError(`--listen: "${value}" is not an address like :8888, 0.0.0.0:8888 or [::1]:8888`);
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

export interface TaskServer {
  server: Server;
  /** The port actually bound (0 picks a free one). */
  port: number;
  close(): Promise<void>;
}

/**
 * The endpoint a Kubernetes operator hands the task to (Shepherd's runner contract):
 * `GET /healthz` → 200 `ok`; `POST /task {taskID, apiURL}` → 200 `{"status":"accepted"}` once,
 * 409 `task already assigned` afterwards (the operator treats it as an idempotent retry), 400 for a
 * body that is not JSON or misses a field (naming it), 413 above 1 MiB.
 */
export async function startTaskServer(opts: {
  listen: ListenAddress;
  logger: Logger;
  onTask: (assignment: TaskAssignment) => void;
}): Promise<TaskServer> {
  let assigned: TaskAssignment | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return send(res, 200, 'text/plain; charset=utf-8', 'ok');
    }
    if (path !== '/task') return json(res, 404, { error: `no route ${req.method} ${path}` });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return json(res, 405, { error: 'method not allowed: use POST' });
    }
    const body = await readBody(req);
    if (body === undefined) {
      res.setHeader('connection', 'close');
      return json(res, 413, { error: `request body larger than ${TASK_BODY_LIMIT} bytes` });
    }
    if (assigned) return send(res, 409, 'text/plain; charset=utf-8', 'task already assigned');
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      return json(res, 400, { error: 'invalid JSON', details: (err as Error).message });
    }
    const parsed = parseAssignment(value);
    if (!parsed.ok) {
      const parts = [
        ...(parsed.missing.length ? [`missing or empty field(s): ${parsed.missing.join(', ')}`] : []),
        ...parsed.problems,
      ];
      return json(res, 400, { error: parts.join('; ') });
    }
    assigned = parsed.assignment;
    opts.logger.info({ taskId: assigned.taskID, apiURL: assigned.apiURL }, 'task assigned');
    json(res, 200, { status: 'accepted' });
    const task = assigned;
    setImmediate(() => opts.onTask(task));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      opts.logger.error({ err }, 'task endpoint failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const port = await listen(server, opts.listen);
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function listen(server: Server, { host, port }: ListenAddress): Promise<number> {
  const attempt = (h: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, h, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    // No host: Node binds `::` (dual-stack) when IPv6 is available, else 0.0.0.0.
    await attempt(host || undefined);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`--listen: cannot listen on ${host || '*'}:${port} (${code})`, { cause: err });
  }
  return (server.address() as AddressInfo).port;
}

/** The body as text, or undefined when it exceeds the limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= TASK_BODY_LIMIT) return void chunks.push(chunk);
      // Answer now; whatever else arrives is discarded, never buffered.
      req.off('data', onData);
      req.resume();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

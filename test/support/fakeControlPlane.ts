import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLoopback } from './listenLoopback.js';
import { readRequestBody } from './readRequest.js';

// A stand-in for a Kubernetes control plane's internal task API (Shepherd's wire format), as the task
// runner sees it at `apiURL`:
//   GET  /api/v1/tasks/{id}/data    → {description, context, sourceURL?, repo: {url, ref?}}; 404; 410 terminal
//   GET  /api/v1/tasks/{id}/token   → {token, expiresAt}; one-time: 409 afterwards; 410 terminal
//   POST /api/v1/tasks/{id}/status  {event, message, details?} → {status: accepted} (+ note once notified)
//   POST /api/v1/tasks/{id}/events  {events: [...]} → {status: accepted}; 400 bad event; 410 terminal
// Every POST needs Content-Type: application/json (415 otherwise); errors are {error, details?}.

export interface FakeTask {
  data: unknown;
  token: string;
  /** The one-time token was already issued (a restarted runner asks again). */
  tokenIssued?: boolean;
  /** The task is already terminal (every route answers 410). */
  terminal?: boolean;
}

export interface ControlPlaneCall {
  method: string;
  taskId: string;
  /** `data`, `token`, `status`, `events` */
  route: string;
  contentType?: string;
  body?: unknown;
  /** What the fake answered (0: the connection was dropped). */
  status: number;
}

export interface StatusReport {
  event: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Returns a status to answer with, 'drop' to close the connection, or undefined to serve normally. */
export type Fault = (call: { method: string; route: string; taskId: string }) => number | 'drop' | undefined;

export interface FakeControlPlane {
  url: string;
  tasks: Map<string, FakeTask>;
  calls: ControlPlaneCall[];
  /** Accepted status posts per task, in order. */
  statuses(taskId: string): StatusReport[];
  /** Accepted events per task, in order of arrival. */
  events(taskId: string): Record<string, unknown>[];
  /** The first terminal report per task (the only one a control plane keeps). */
  result(taskId: string): StatusReport | undefined;
  fault: Fault | undefined;
  close(): Promise<void>;
}

const EVENT_TYPES = new Set(['thinking', 'tool_call', 'tool_result', 'error']);
const STATUS_EVENTS = new Set(['started', 'progress', 'completed', 'failed']);

export async function startFakeControlPlane(): Promise<FakeControlPlane> {
  const tasks = new Map<string, FakeTask>();
  const calls: ControlPlaneCall[] = [];
  const statuses = new Map<string, StatusReport[]>();
  const events = new Map<string, Record<string, unknown>[]>();
  const results = new Map<string, StatusReport>();
  const plane: FakeControlPlane = {
    url: '',
    tasks,
    calls,
    statuses: (id) => statuses.get(id) ?? [],
    events: (id) => events.get(id) ?? [],
    result: (id) => results.get(id),
    fault: undefined,
    close: async () => {},
  };

  const answer = (req: IncomingMessage, body: unknown): { status: number; body: unknown } | 'drop' => {
    const m = /^\/api\/v1\/tasks\/([^/]+)\/(data|token|status|events)$/.exec(
      new URL(req.url ?? '/', 'http://x').pathname,
    );
    if (!m) return { status: 404, body: { error: 'not found' } };
    const taskId = decodeURIComponent(m[1]!);
    const route = m[2]!;
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    const call: ControlPlaneCall = {
      method,
      taskId,
      route,
      ...(contentType ? { contentType } : {}),
      ...(body !== undefined ? { body } : {}),
      status: 0,
    };
    calls.push(call);
    const result = ((): { status: number; body: unknown } | 'drop' => {
      const injected = plane.fault?.({ method, route, taskId });
      if (injected === 'drop') return 'drop';
      if (injected !== undefined) return { status: injected, body: { error: 'injected failure' } };
      const task = tasks.get(taskId);
      if (!task) return { status: 404, body: { error: 'task not found' } };
      const isGet = route === 'data' || route === 'token';
      if (method !== (isGet ? 'GET' : 'POST')) return { status: 405, body: { error: 'method not allowed' } };
      if (!isGet && !String(contentType ?? '').startsWith('application/json'))
        return { status: 415, body: { error: 'Content-Type must be application/json' } };
      if (task.terminal && route !== 'status') return { status: 410, body: { error: 'task is terminal' } };
      switch (route) {
        case 'data':
          return { status: 200, body: task.data };
        case 'token':
          if (task.tokenIssued)
            return { status: 409, body: { error: 'token already issued for this execution' } };
          task.tokenIssued = true;
          return {
            status: 200,
            body: { token: task.token, expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
          };
        case 'status': {
          const report = body as StatusReport;
          if (!report || typeof report !== 'object' || !STATUS_EVENTS.has(report.event))
            return { status: 400, body: { error: 'invalid event', details: JSON.stringify(report?.event) } };
          const list = statuses.get(taskId) ?? [];
          list.push(report);
          statuses.set(taskId, list);
          if (report.event === 'completed' || report.event === 'failed') {
            if (results.has(taskId))
              return { status: 200, body: { status: 'accepted', note: 'already notified' } };
            results.set(taskId, report);
            task.terminal = true;
          }
          return { status: 200, body: { status: 'accepted' } };
        }
        default: {
          const list = (body as { events?: unknown })?.events;
          if (!Array.isArray(list) || list.length === 0)
            return { status: 400, body: { error: 'events array is required and must not be empty' } };
          for (const e of list as Record<string, unknown>[]) {
            if (!EVENT_TYPES.has(String(e.type)))
              return { status: 400, body: { error: 'event type is required' } };
            if (typeof e.summary !== 'string' || !e.summary)
              return { status: 400, body: { error: 'event summary is required' } };
            if (typeof e.sequence !== 'number' || e.sequence <= 0)
              return { status: 400, body: { error: 'event sequence must be positive' } };
            if (Number.isNaN(Date.parse(String(e.timestamp))))
              return { status: 400, body: { error: 'event timestamp must be RFC 3339' } };
          }
          const stored = events.get(taskId) ?? [];
          stored.push(...(list as Record<string, unknown>[]));
          events.set(taskId, stored);
          return { status: 200, body: { status: 'accepted' } };
        }
      }
    })();
    call.status = result === 'drop' ? 0 : result.status;
    return result;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readRequestBody(req).then(
      (body) => {
        const result = answer(req, body);
        if (result === 'drop') {
          req.socket.destroy();
          return;
        }
        res.writeHead(result.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result.body));
      },
      // A request cut off mid-body gets no answer.
      () => req.socket.destroy(),
    );
  });
  const { url, close } = await listenLoopback(server);
  plane.url = url;
  plane.close = close;
  return plane;
}

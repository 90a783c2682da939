import type { FastifyInstance } from 'fastify';
import { isTerminal } from '../jobs/JobStatus.js';
import type { ApiDeps } from './ApiDeps.js';
import { mustGetJob } from './jobs.js';
import { EventsQuery, JobIdParams, LastEventId, parseRequest } from './schemas.js';
import { SECURITY_HEADERS } from './securityHeaders.js';
import { SseConnection } from './sse.js';
import { streamJobEvents } from './streamJobEvents.js';

/**
 * GET /api/jobs/:id/events — Server-Sent Events of a job's output and status. The resume point is
 * Last-Event-ID (a reconnecting EventSource sends it) or else ?after=, so a client gets exactly the
 * entries it has not seen. A client already past the end gets 204, which stops EventSource retries.
 */
export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // No automatic HEAD route: a HEAD would open a stream that sends nothing.
  app.get('/api/jobs/:id/events', { exposeHeadRoute: false }, async (request, reply) => {
    const { id } = parseRequest(JobIdParams, request.params, 'path');
    const query = parseRequest(EventsQuery, request.query, 'query');
    const header = request.headers['last-event-id'];
    const after =
      header !== undefined && String(header).trim() !== ''
        ? parseRequest(LastEventId, String(header).trim(), 'Last-Event-ID')
        : (query.after ?? 0);
    const job = await mustGetJob(deps.store, id);
    if (isTerminal(job.status) && (await deps.store.readOutput(id, after, 1)).length === 0) {
      return reply.code(204).send();
    }

    reply.hijack();
    reply.raw.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    const conn = new SseConnection(reply.raw, deps.sse.heartbeatMs);
    deps.sse.open.add(conn);
    try {
      await streamJobEvents(conn, deps.store, deps.sse.hub, id, after);
    } catch (err) {
      // Headers are out: the only way to report is to end the stream; the client reconnects.
      if (!conn.closed) request.log.warn({ err, jobId: id }, 'event stream failed');
    } finally {
      conn.close();
      deps.sse.open.delete(conn);
    }
  });
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from './ApiDeps.js';
import { EventsQuery, LastEventId, parseRequest } from './schemas.js';
import { SECURITY_HEADERS } from './securityHeaders.js';
import { SseConnection } from './sse.js';

/**
 * Where a stream resumes: Last-Event-ID (a reconnecting EventSource sends it) or else ?after=, so a
 * client gets exactly the entries it has not seen.
 */
export function resumeAfter(request: FastifyRequest): number {
  const query = parseRequest(EventsQuery, request.query, 'query');
  const header = request.headers['last-event-id'];
  return header !== undefined && String(header).trim() !== ''
    ? parseRequest(LastEventId, String(header).trim(), 'Last-Event-ID')
    : (query.after ?? 0);
}

/**
 * Takes the reply over as a Server-Sent Events stream, runs `stream` on it and closes it. The stream
 * is one of `deps.sse.open` meanwhile, so a closing server ends it. Once the headers are out a failure
 * can only end the stream (the client reconnects): it is logged with `logFields`, never answered.
 */
export async function serveEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ApiDeps,
  stream: (conn: SseConnection) => Promise<void>,
  failure: { message: string; logFields: Record<string, unknown> },
): Promise<void> {
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
    await stream(conn);
  } catch (err) {
    if (!conn.closed) request.log.warn({ err, ...failure.logFields }, failure.message);
  } finally {
    conn.close();
    deps.sse.open.delete(conn);
  }
}

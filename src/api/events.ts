import type { FastifyInstance } from 'fastify';
import { isTerminal } from '../jobs/JobStatus.js';
import type { ApiDeps } from './ApiDeps.js';
import { mustGetJob } from './jobs.js';
import { JobIdParams, parseRequest } from './schemas.js';
import { resumeAfter, serveEventStream } from './serveEventStream.js';
import { streamJobEvents } from './streamJobEvents.js';

/**
 * GET /api/jobs/:id/events — Server-Sent Events of a job's output and status, from the resume point
 * (Last-Event-ID or ?after=). A client already past the end gets 204, which stops EventSource retries.
 */
export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // No automatic HEAD route: a HEAD would open a stream that sends nothing.
  app.get('/api/jobs/:id/events', { exposeHeadRoute: false }, async (request, reply) => {
    const { id } = parseRequest(JobIdParams, request.params, 'path');
    const after = resumeAfter(request);
    const job = await mustGetJob(deps.store, id);
    if (isTerminal(job.status) && (await deps.store.readOutput(id, after, 1)).length === 0) {
      return reply.code(204).send();
    }
    await serveEventStream(
      request,
      reply,
      deps,
      (conn) => streamJobEvents(conn, deps.store, deps.sse.hub, id, after),
      { message: 'event stream failed', logFields: { jobId: id } },
    );
  });
}

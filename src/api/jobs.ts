import type { FastifyInstance } from 'fastify';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { publicJob } from '../jobs/JobRecord.js';
import { isTerminal } from '../jobs/JobStatus.js';
import { assertLocalRepoAllowed } from '../jobs/localRepoAccess.js';
import type { JobStore } from '../store/types.js';
import type { ApiDeps } from './ApiDeps.js';
import { JobIdParams, ListJobsQuery, LogsQuery, parseRequest } from './schemas.js';

export interface JobRoutesOptions {
  /** Job creations per client (token, or address when auth is off) per minute. */
  createPerMinute: number;
}

export async function mustGetJob(store: JobStore, id: string) {
  const job = await store.get(id);
  if (!job) throw new NotFoundError(`No job with id ${id}.`);
  return job;
}

/** Jobs: create, list, get, cancel, and a JSON page of output. */
export function registerJobRoutes(app: FastifyInstance, deps: ApiDeps, opts: JobRoutesOptions): void {
  const { store } = deps;

  app.post(
    '/api/jobs',
    { config: { rateLimit: { max: opts.createPerMinute, timeWindow: 60_000 } } },
    async (request, reply) => {
      if (request.body === undefined) {
        throw new InvalidInputError('body: a job spec JSON object is required', [
          { path: 'body', message: 'a job spec JSON object is required' },
        ]);
      }
      const spec = deps.resolveSpec(request.body);
      await assertLocalRepoAllowed(spec.repo, { trusted: false, policy: deps.localRepos });
      const job = await store.enqueue(spec, { source: { intake: 'api' } });
      deps.metrics.jobsSubmitted.inc();
      request.log.info({ jobId: job.id, repo: job.repo, agent: job.agent }, 'job created');
      return reply.code(201).header('location', `/api/jobs/${job.id}`).send(publicJob(job));
    },
  );

  app.get('/api/jobs', async (request) => {
    const { repo, q, ...filter } = parseRequest(ListJobsQuery, request.query, 'query');
    const page = await store.list({
      ...filter,
      ...(repo ? { repoContains: repo } : {}),
      ...(q ? { text: q } : {}),
    });
    return { jobs: page.jobs.map(publicJob), nextCursor: page.nextCursor };
  });

  app.get('/api/jobs/:id', async (request) => {
    const { id } = parseRequest(JobIdParams, request.params, 'path');
    return publicJob(await mustGetJob(store, id));
  });

  app.post('/api/jobs/:id/cancel', async (request, reply) => {
    const { id } = parseRequest(JobIdParams, request.params, 'path');
    const before = await mustGetJob(store, id);
    if (isTerminal(before.status)) {
      throw new ConflictError('E_ALREADY_ENDED', `Job ${id} already ended: ${before.status}.`);
    }
    const job = (await store.requestCancel(id)) ?? before;
    request.log.info({ jobId: id, status: job.status }, 'cancel requested');
    // 200: cancelled now (it was queued); 202: its runner was asked to stop it.
    return reply.code(job.status === 'cancelled' ? 200 : 202).send(publicJob(job));
  });

  app.get('/api/jobs/:id/logs', async (request) => {
    const { id } = parseRequest(JobIdParams, request.params, 'path');
    const { after, limit } = parseRequest(LogsQuery, request.query, 'query');
    // Read the record first: once it is terminal, every entry is already stored.
    const job = await mustGetJob(store, id);
    const entries = await store.readOutput(id, after, limit);
    // Not the end marker: a stale one (the runner died after writing it) is followed by a retry.
    const done = entries.length < limit && isTerminal(job.status);
    return { entries, nextAfter: entries.at(-1)?.seq ?? after, done };
  });
}

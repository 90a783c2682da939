import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { artifactNameProblem } from '../artifacts/types.js';
import { NotFoundError } from '../errors.js';
import type { ApiDeps } from './ApiDeps.js';
import { mustGetJob } from './jobs.js';
import { JobIdParams, parseRequest } from './schemas.js';

const ArtifactParams = JobIdParams.extend({
  name: z.string().superRefine((name, ctx) => {
    const problem = artifactNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
});

/** A job's artifacts (diff, log, transcript, reports) from the configured ArtifactStore. */
export function registerArtifactRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/jobs/:id/artifacts', async (request) => {
    const { id } = parseRequest(JobIdParams, request.params, 'path');
    await mustGetJob(deps.store, id);
    return { artifacts: deps.artifacts ? await deps.artifacts.list(id) : [] };
  });

  app.get('/api/jobs/:id/artifacts/:name', async (request, reply) => {
    const { id, name } = parseRequest(ArtifactParams, request.params, 'path');
    await mustGetJob(deps.store, id);
    const body = deps.artifacts ? await deps.artifacts.open(id, name) : undefined;
    if (!body) throw new NotFoundError(`Job ${id} has no artifact ${name}.`);
    // Always a download, never rendered in the page: artifacts hold agent output (untrusted).
    return reply
      .header('content-type', body.contentType)
      .header('content-length', body.size)
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(body.stream);
  });
}

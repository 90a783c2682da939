import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import type { ApiDeps } from './ApiDeps.js';
import { mustGetJob } from './jobs.js';
import { JobIdParams, parseRequest } from './schemas.js';

export interface ArtifactInfo {
  name: string;
  size: number;
  contentType?: string;
}

/** Where the API reads a job's artifacts from (the artifacts module provides the implementation). */
export interface ArtifactSource {
  list(jobId: string): Promise<ArtifactInfo[]>;
  /** Undefined when the job has no artifact by that name. */
  open(jobId: string, name: string): Promise<{ info: ArtifactInfo; stream: Readable } | undefined>;
}

const ArtifactParams = JobIdParams.extend({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/, 'is not an artifact name')
    .refine((n) => !n.includes('..'), 'is not an artifact name'),
});

export function registerArtifactRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/jobs/:id/artifacts', async (request) => {
    const { id } = parseRequest(JobIdParams, request.params, 'path');
    await mustGetJob(deps.store, id);
    return { artifacts: deps.artifacts ? await deps.artifacts.list(id) : [] };
  });

  app.get('/api/jobs/:id/artifacts/:name', async (request, reply) => {
    const { id, name } = parseRequest(ArtifactParams, request.params, 'path');
    await mustGetJob(deps.store, id);
    const found = deps.artifacts ? await deps.artifacts.open(id, name) : undefined;
    if (!found) throw new NotFoundError(`Job ${id} has no artifact ${name}.`);
    // Served as a download, never rendered: artifacts hold agent output, i.e. untrusted content.
    return reply
      .header('content-type', found.info.contentType ?? 'application/octet-stream')
      .header('content-length', found.info.size)
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(found.stream);
  });
}

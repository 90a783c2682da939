import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../../api/ApiDeps.js';
import { parseRequest } from '../../api/schemas.js';
import { parseDuration } from '../../config/duration.js';
import { NotFoundError } from '../../errors.js';
import type { JobRecord } from '../../jobs/JobRecord.js';
import { isTerminal } from '../../jobs/JobStatus.js';
import { assertLocalRepoAllowed } from '../../jobs/localRepoAccess.js';
import { sleep } from '../../util/sleep.js';
import { applyPlan } from '../applyPlan.js';
import { kickoff, PlannerError } from '../kickoff.js';
import type { PlanRoutesOptions } from './PlanRoutesOptions.js';
import { KickoffBody } from './planSchemas.js';

const DEFAULT_PLANNER_TIMEOUT = '10m';

/**
 * POST /api/plans/kickoff: the planner runs as queued jobs (on the server's workers or any worker of
 * the backend); the request waits for them, then answers with the plan (and what was created).
 */
export async function runKickoff(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ApiDeps,
  opts: PlanRoutesOptions,
): Promise<{ status: number; body: unknown }> {
  const body = parseRequest(KickoffBody, request.body, 'body');
  await assertLocalRepoAllowed(body.repo, { trusted: false, policy: deps.localRepos });
  const timeout = body.planner?.timeout ?? DEFAULT_PLANNER_TIMEOUT;
  const gone = new AbortController();
  // The response's close before it is sent means the client went away.
  reply.raw.on('close', () => gone.abort());
  try {
    const result = await kickoff(
      {
        jobs: deps.store,
        resolveSpec: opts.resolveSpec,
        runJob: async (spec, enqueueOpts, onStart) => {
          const job = await deps.store.enqueue(spec, enqueueOpts);
          onStart(job);
          return waitForJob(deps, job.id, parseDuration(timeout) + 120_000, gone.signal);
        },
      },
      {
        repo: body.repo,
        ...(body.baseRef ? { baseRef: body.baseRef } : {}),
        goal: body.goal,
        ...(body.name ? { name: body.name } : {}),
        defaults: body.defaults ?? {},
        ...(body.settings ? { settings: body.settings } : {}),
        planner: { ...body.planner, timeout },
      },
    );
    if (body.dryRun) return { status: 200, body: { plan: result.plan, attempts: result.attempts } };
    const apply = await applyPlan(opts.plans, result.plan, opts.resolveSpec);
    request.log.info({ plan: apply.name, tasks: result.plan.tasks.length }, 'plan kicked off');
    return {
      status: apply.created ? 201 : 200,
      body: { plan: result.plan, apply, attempts: result.attempts },
    };
  } catch (err) {
    if (err instanceof PlannerError) {
      return { status: 422, body: { error: err.message, code: err.code, issues: err.issues } };
    }
    throw err;
  }
}

async function waitForJob(
  deps: ApiDeps,
  jobId: string,
  limitMs: number,
  signal: AbortSignal,
): Promise<JobRecord> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const job = await deps.store.get(jobId);
    if (!job) throw new NotFoundError(`The planner job ${jobId} vanished.`);
    if (isTerminal(job.status)) return job;
    if (signal.aborted)
      throw new PlannerError(`The client went away; the planner job ${jobId} goes on without it.`);
    if (Date.now() > deadline) {
      throw new PlannerError(`The planner job ${jobId} did not finish in time (is a worker running?).`);
    }
    await sleep(500, signal);
  }
}

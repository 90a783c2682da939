import { join } from 'node:path';
import type { Logger } from 'pino';
import { finalizeArtifacts } from '../artifacts/finalizeArtifacts.js';
import { LogArtifact } from '../artifacts/LogArtifact.js';
import { parseDuration } from '../config/duration.js';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import { CancelledError, DroverError, InterruptedError, LeaseLostError, toDroverError } from '../errors.js';
import { Git } from '../git/Git.js';
import { gitAuthEnv } from '../git/gitAuthEnv.js';
import type { JobOutcome, JobRecord } from '../jobs/JobRecord.js';
import { assertLocalRepoAllowed, localSubmitter } from '../jobs/localRepoAccess.js';
import { statusForError } from '../jobs/outcome.js';
import type { JobContext } from '../pipeline/JobContext.js';
import type { ModelAccess } from '../pipeline/ModelAccess.js';
import { Masker } from '../secrets/Masker.js';
import type { JobStore, Lease } from '../store/types.js';
import { JobOutput, type OutputListener, type StoredListener } from './JobOutput.js';
import { closeModelSession } from './modelGatewayRun.js';
import { runPipeline } from './pipeline.js';
import type { JobLifecycleObserver, ResolveJobCredentials } from './types.js';

export interface ExecuteDeps {
  store: JobStore;
  config: RunnerConfig;
  logger: Logger;
  /** Aborted (with an InterruptedError or CancelledError) when the runner stops before the job ends. */
  stopSignal: AbortSignal;
  onOutput?: OutputListener;
  /** Resolves per-job credentials (the user's encrypted git token, a token minted for a forge job...). */
  resolveGitToken?: ResolveJobCredentials;
  /** Told when the job starts and when its terminal status is written (never awaited). */
  observer?: JobLifecycleObserver;
  /** The model gateway agents call through (absent: agents get the API keys themselves). */
  modelAccess?: ModelAccess;
  /** Told about output once it is stored (live event streams of this process). */
  onStored?: StoredListener;
  /** Told when this runner is done with a job (finished, released or lost). */
  onJobEnd?: (jobId: string) => void;
  /** This process enqueued the job itself (drover run): its local repo path means this machine. */
  ownJob?: boolean;
}

export type ExecuteResult = 'finished' | 'released' | 'lost' | 'duplicate';

/**
 * Runs one claimed job to its end: heartbeats the lease (which also delivers cancel requests),
 * runs the pipeline, writes the final status line and end marker, then the terminal status once.
 * A runner that is shutting down gives the job back instead of failing it.
 */
export async function executeLease(lease: Lease, deps: ExecuteDeps): Promise<ExecuteResult> {
  try {
    return await runLease(lease, deps);
  } finally {
    deps.onJobEnd?.(lease.job.id);
  }
}

async function runLease(lease: Lease, deps: ExecuteDeps): Promise<ExecuteResult> {
  const { job } = lease;
  const { store, config } = deps;
  const logger = deps.logger.child({ jobId: job.id, runnerId: config.runnerId });
  const masker = new Masker([...(config.gitToken ? [config.gitToken] : []), ...config.maskValues]);
  const output = await JobOutput.open(store, job.id, masker, { logger });
  const artifactsDir = join(config.dataDir, 'artifacts', job.id);
  // The log artifact is written as the output goes by (a retry's starts with the earlier attempts').
  const log = await LogArtifact.open({
    dir: artifactsDir,
    store,
    jobId: job.id,
    lastSeq: output.lastSeq,
    masker,
    logger,
  }).catch((err) => {
    logger.warn({ err }, 'could not open the log artifact; it will be read from the store');
    return undefined;
  });
  if (log) output.onEntry(log.onEntry);
  if (deps.onOutput) output.onEntry(deps.onOutput);
  if (deps.onStored) output.onStored(deps.onStored);

  const controller = new AbortController();
  const onStop = () => controller.abort(deps.stopSignal.reason);
  if (deps.stopSignal.aborted) onStop();
  else deps.stopSignal.addEventListener('abort', onStop, { once: true });
  const beat = setInterval(
    () => {
      lease.heartbeat().then(
        (hb) => {
          if (hb.lost) controller.abort(new LeaseLostError());
          else if (hb.cancelRequested)
            controller.abort(new CancelledError('The job was cancelled on request.'));
        },
        (err) => logger.warn({ err }, 'heartbeat failed'),
      );
    },
    Math.max(200, Math.min(1000, config.leaseMs / 3)),
  );

  const spec = job.spec;
  const timeoutMs = spec.timeout !== undefined ? parseDuration(spec.timeout) : config.defaultTimeoutMs;
  const ctx: JobContext = {
    job,
    spec,
    config,
    store,
    logger,
    masker,
    output,
    git: new Git(masker, config.hostEnv),
    signal: controller.signal,
    deadline: Date.now() + timeoutMs,
    idleTimeoutMs:
      spec.idleTimeout !== undefined ? parseDuration(spec.idleTimeout) : config.defaultIdleTimeoutMs,
    artifactsDir,
    authEnv: {},
    expectedRemoteSha: '',
    branch: job.branch,
    agentRuns: [],
    ...(deps.modelAccess ? { modelAccess: deps.modelAccess } : {}),
  };
  output.system(`Job ${job.id} (attempt ${job.attempts}) on runner ${config.runnerId}`, 'status', {
    status: 'running',
    attempt: job.attempts,
  });
  logger.info({ repo: spec.repo, agent: spec.agent, attempt: job.attempts }, 'job started');
  observe(logger, () => deps.observer?.started?.(job));

  let error: DroverError | undefined;
  try {
    // The runner is the one place that sees every job, direct Redis producers included.
    await assertLocalRepoAllowed(spec.repo, {
      trusted: localSubmitter(job.source, {
        storeKind: store.kind,
        ...(deps.ownJob ? { ownJob: true } : {}),
      }),
      policy: config.localRepos,
    });
    const resolved = deps.resolveGitToken
      ? await deps.resolveGitToken(spec.userId ? { userId: spec.userId, job } : { job })
      : config.gitToken;
    const creds = typeof resolved === 'string' ? { token: resolved } : resolved;
    if (creds?.token) {
      masker.add(creds.token);
      ctx.gitToken = creds.token;
      if (creds.forApi) ctx.apiToken = creds.token;
      ctx.authEnv = gitAuthEnv(config.hostEnv, spec.repo, creds.token, creds.username ?? config.gitUsername);
    }
    await runPipeline(ctx);
  } catch (err) {
    error = toDroverError(err);
    if (error.kind === 'internal') logger.error({ err }, 'job failed with an internal error');
  } finally {
    clearInterval(beat);
    deps.stopSignal.removeEventListener('abort', onStop);
    // The job's gateway token is refused from here on; a call still in flight is aborted upstream.
    await closeModelSession(ctx).catch((err) => logger.warn({ err }, 'could not close the model session'));
  }
  // The pipeline may have ended for its own reasons while a stop was requested: the stop wins.
  if (controller.signal.aborted && controller.signal.reason instanceof DroverError)
    error = controller.signal.reason;

  if (error instanceof LeaseLostError) {
    logger.warn('lease lost; another runner owns the job now');
    await log?.discard();
    await output.close().catch(() => {});
    return 'lost';
  }
  if (error instanceof InterruptedError) {
    output.system('Runner stopping: the job goes back to the queue for another attempt', 'status', {
      status: 'queued',
    });
    await log?.discard();
    await output.close();
    await lease.release(error.message);
    logger.warn('job released for retry (runner shutting down)');
    return 'released';
  }

  const outcome: JobOutcome = {
    status: error ? statusForError(error) : 'succeeded',
    branch: ctx.branch,
    ...(ctx.baseRef ? { baseRef: ctx.baseRef } : {}),
    ...(ctx.commit ? { commit: ctx.commit } : {}),
    ...(ctx.costUsd !== undefined ? { costUsd: ctx.costUsd } : {}),
    ...(ctx.turns !== undefined ? { turns: ctx.turns } : {}),
    ...(ctx.inputTokens !== undefined ? { inputTokens: ctx.inputTokens } : {}),
    ...(ctx.cachedInputTokens !== undefined ? { cachedInputTokens: ctx.cachedInputTokens } : {}),
    ...(ctx.outputTokens !== undefined ? { outputTokens: ctx.outputTokens } : {}),
    ...(error ? { errorKind: error.kind, errorMessage: masker.mask(error.message) } : {}),
    ...exitCodeOf(ctx, error),
    ...reviewOf(ctx),
  };
  output.system(
    error
      ? `Job ${outcome.status}: ${outcome.errorMessage}`
      : `Job succeeded${ctx.pushed ? `: ${ctx.branch} pushed` : ''}`,
    'status',
    { status: outcome.status, ...(error ? { errorKind: error.kind } : {}) },
  );
  output.system('end of output', 'end');
  await output.close();
  // Before finish, so whoever sees the terminal status can read the artifacts; the lease is kept
  // alive meanwhile (an S3 upload can outlast it).
  const keepAlive = setInterval(
    () => void lease.heartbeat().catch(() => {}),
    Math.max(200, config.leaseMs / 3),
  );
  await finalizeArtifacts(ctx, outcome, log)
    .catch((err) => logger.warn({ err }, 'could not store the artifacts'))
    .finally(() => clearInterval(keepAlive));
  const written = await lease.finish(outcome);
  logger.info(
    { status: outcome.status, errorKind: outcome.errorKind },
    written ? 'job finished' : 'job already finished',
  );
  if (written && deps.observer?.finished) {
    // The stored record carries what phases wrote on the way (the PR's URL); the claim's copy does not.
    const record = await store.get(job.id).catch(() => undefined);
    observe(logger, () => deps.observer?.finished?.(record ?? finishedRecord(job, outcome), outcome));
  }
  return written ? 'finished' : 'duplicate';
}

/** Observers are told, never awaited; one that throws must not change the job's outcome. */
function observe(logger: Logger, notify: () => void): void {
  try {
    notify();
  } catch (err) {
    logger.warn({ err }, 'job lifecycle observer failed');
  }
}

/** The record as it stands once the outcome is written, should reading it back fail. */
function finishedRecord(job: JobRecord, outcome: JobOutcome): JobRecord {
  const { status, ...patch } = outcome;
  const finishedAt = new Date().toISOString();
  const startedAt = job.startedAt ?? finishedAt;
  return {
    ...job,
    ...patch,
    status,
    finishedAt,
    durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
  } as JobRecord;
}

/** The last review's verdict and findings (already masked), when the job had a review. */
function reviewOf(ctx: JobContext): { verdict?: JobOutcome['verdict']; findings?: string } {
  const review = ctx.delivery?.reviews.at(-1);
  return review ? { verdict: review.outcome, findings: review.findings } : {};
}

function exitCodeOf(ctx: JobContext, error: DroverError | undefined): { exitCode?: number } {
  const code =
    (error as { exitCode?: number | null } | undefined)?.exitCode ?? ctx.agentRuns.at(-1)?.exitCode;
  return typeof code === 'number' ? { exitCode: code } : {};
}

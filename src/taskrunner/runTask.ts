import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import { CancelledError, ControlPlaneError, toDroverError } from '../errors.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { Runner } from '../runner/Runner.js';
import type { JobLifecycleObserver } from '../runner/types.js';
import type { JobStore } from '../store/types.js';
import { type CallOptions, ControlPlaneClient } from './ControlPlaneClient.js';
import { EventStreamer } from './EventStreamer.js';
import type { TaskAssignment } from './TaskAssignment.js';
import type { TaskData } from './TaskData.js';
import type { TaskRunnerSettings } from './TaskRunnerSettings.js';
import { taskEventOf } from './taskEventOf.js';
import { taskJobSpec } from './taskJobSpec.js';

export interface TaskRunDeps {
  assignment: TaskAssignment;
  settings: TaskRunnerSettings;
  store: JobStore;
  config: RunnerConfig;
  logger: Logger;
  userAgent: string;
  /** Aborted on SIGTERM: the job is cancelled and `failed` reported within settings.shutdownMs. */
  shutdown: AbortSignal;
  /** Signed callbacks (jobs whose spec has a callbackUrl). */
  observer?: JobLifecycleObserver;
}

/** How the task ended for the process: exit 0 on `completed` (and a task already over), 1 otherwise. */
export interface TaskEnd {
  exitCode: 0 | 1;
  /** `gone`: the control plane said the task was already terminal (410): nothing to do. */
  outcome: 'completed' | 'failed' | 'gone';
  jobId?: string;
}

/** The task is over on the control plane (410): stop quietly. */
class TaskGone extends Error {}

/** The one-time git token could not be had. */
class TokenError extends ControlPlaneError {}

type Fail = (error: string, kind: string, jobId?: string) => Promise<TaskEnd>;

/**
 * One control-plane task, start to end: `started`, the task's data, its one-time git token, the job
 * through Drover's pipeline (agent events streamed beside it, Claude's Stop hook reported as
 * `progress`), then exactly one terminal report after delivery — `completed` with the PR, or
 * `failed` with the error and its kind.
 */
export async function runTask(deps: TaskRunDeps): Promise<TaskEnd> {
  const { assignment, settings, shutdown } = deps;
  const taskID = assignment.taskID;
  const log = deps.logger.child({ taskId: taskID });
  const client = new ControlPlaneClient({
    apiURL: assignment.apiURL,
    taskID,
    logger: log,
    userAgent: deps.userAgent,
    retryForMs: settings.apiRetryMs,
  });
  let shutdownAt = 0;
  const onShutdown = () => {
    shutdownAt = Date.now();
  };
  shutdown.addEventListener('abort', onShutdown, { once: true });
  /** Calls before the job: stopped at once by SIGTERM. */
  const early: CallOptions = { signal: shutdown };
  /** The terminal report: retried until the API deadline, or the shutdown deadline after SIGTERM. */
  const finalCall = (): CallOptions => ({
    deadline: shutdownAt ? shutdownAt + settings.shutdownMs : Date.now() + settings.apiRetryMs,
  });

  const fail: Fail = async (error, kind, jobId) => {
    const message = `Drover could not complete task ${taskID}: ${error}`;
    await report(client, log, 'failed', message, { error, error_kind: kind }, finalCall());
    return { exitCode: 1, outcome: 'failed', ...(jobId ? { jobId } : {}) };
  };

  try {
    let data: TaskData;
    let spec: JobSpec;
    let token: string;
    try {
      await gone(client.status('started', `Drover accepted task ${taskID}`, undefined, early));
      data = await gone(client.data(early));
      // The spec is checked before the one-time token is spent on it.
      spec = taskJobSpec(taskID, data, settings, deps.config.repoDefaults);
      token = (await gone(client.token(early).catch(tokenError))).token;
    } catch (err) {
      if (err instanceof TaskGone) {
        log.info(err.message);
        return { exitCode: 0, outcome: 'gone' };
      }
      if (shutdown.aborted) return await fail(stoppedMessage('before its job started'), 'cancelled');
      const error = toDroverError(err);
      log.error({ err }, 'the task could not start');
      return await fail(error.message, err instanceof TokenError ? 'credentials' : error.kind);
    }
    if (shutdown.aborted) return await fail(stoppedMessage('before its job started'), 'cancelled');
    return await runJob(deps, client, log, spec, token, finalCall, fail);
  } finally {
    shutdown.removeEventListener('abort', onShutdown);
  }
}

async function runJob(
  deps: TaskRunDeps,
  client: ControlPlaneClient,
  log: Logger,
  spec: JobSpec,
  token: string,
  finalCall: () => CallOptions,
  fail: Fail,
): Promise<TaskEnd> {
  const { store, shutdown, assignment } = deps;
  const job = await store.enqueue(spec, { source: { intake: 'task-runner', taskId: assignment.taskID } });
  const jobLog = log.child({ jobId: job.id });
  jobLog.info({ repo: spec.repo, branch: job.branch, agent: spec.agent }, 'running the task as a Drover job');

  const streamer = new EventStreamer({
    post: (events, signal) => client.events(events, { signal }),
    logger: jobLog,
  });
  const progress: Promise<unknown>[] = [];
  const toolNames = new Map<string, string>();
  const onOutput = (entry: OutputEntry) => {
    if (entry.stream !== 'agent') return;
    if (entry.type === 'agent.done') {
      // Claude's Stop hook: the agent declared itself done. Delivery is still to come, so this is
      // progress, never a terminal event (the control plane keeps only the first terminal one).
      const sessionId = (entry.data as { sessionId?: string } | undefined)?.sessionId;
      progress.push(
        report(
          client,
          jobLog,
          'progress',
          'agent finished',
          sessionId ? { session_id: sessionId } : undefined,
          {
            signal: shutdown,
          },
        ),
      );
      return;
    }
    const event = taskEventOf(entry, toolNames);
    if (event) streamer.push(event);
  };
  // The issued token is this job's git token (git's environment only, masked everywhere) and, unless
  // DROVER_GITHUB_TOKEN is set, its GitHub API token.
  const config: RunnerConfig = {
    ...deps.config,
    gitToken: token,
    maskValues: [...deps.config.maskValues, token],
  };
  const runner = new Runner(store, config, jobLog, {
    onOutput,
    ...(deps.observer ? { observer: deps.observer } : {}),
  });
  const onShutdown = () =>
    void runner.stop(
      0,
      new CancelledError(stoppedMessage('before its job finished (the job was cancelled)')),
    );
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener('abort', onShutdown, { once: true });
  let final: JobRecord | undefined;
  try {
    await runner.runJob(job.id);
    final = await store.get(job.id);
  } catch (err) {
    jobLog.error({ err }, 'the job could not run');
  } finally {
    shutdown.removeEventListener('abort', onShutdown);
  }

  // Everything the agent said goes out before the terminal report.
  const { deadline } = finalCall();
  await streamer.close(Math.min(deadline ?? Number.POSITIVE_INFINITY, Date.now() + 60_000));
  await Promise.allSettled(progress);
  jobLog.info({ eventsSent: streamer.sent, eventsLost: streamer.lost }, 'agent events streamed');

  if (final?.status !== 'succeeded') {
    if (!final) return fail('The job did not run to an end.', 'internal', job.id);
    const message = final.errorMessage ?? `The job ended ${final.status}.`;
    return fail(message, final.errorKind ?? 'internal', job.id);
  }
  const delivered = await report(
    client,
    jobLog,
    'completed',
    final.prUrl ? `Drover job ${job.id} opened ${final.prUrl}` : `Drover job ${job.id} succeeded`,
    {
      pr_url: final.prUrl,
      branch: final.branch,
      commit: final.commit,
      cost_usd: final.costUsd,
      turns: final.turns,
    },
    finalCall(),
  );
  // A success the control plane never heard of is not a success for the pod.
  return { exitCode: delivered ? 0 : 1, outcome: 'completed', jobId: job.id };
}

/** Posts a status; false (logged) when it could not be delivered. A 410 means the task is over. */
async function report(
  client: ControlPlaneClient,
  log: Logger,
  event: 'progress' | 'completed' | 'failed',
  message: string,
  details: Record<string, unknown> | undefined,
  opts: CallOptions,
): Promise<boolean> {
  try {
    await client.status(event, message, details, opts);
    log.info({ event }, `reported ${event}`);
    return true;
  } catch (err) {
    if (err instanceof ControlPlaneError && err.status === 410) {
      log.warn({ event }, 'the task was already over on the control plane; report not recorded');
      return event !== 'completed';
    }
    log.error({ err, event }, `could not report ${event} to the control plane`);
    return false;
  }
}

/** 410 (task already terminal) ends the task quietly; the rest propagates. */
async function gone<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ControlPlaneError && err.status === 410)
      throw new TaskGone('The control plane says the task is already over (410): nothing to do.');
    throw err;
  }
}

/** The one-time token's errors, in words an operator can act on. */
function tokenError(err: unknown): never {
  if (!(err instanceof ControlPlaneError) || err.status === 410) throw err;
  if (err.status === 409) {
    throw new TokenError(
      `The task's one-time git token was already issued (409 ${err.message.replace(/^HTTP 409: ?/, '')}): ` +
        'a runner that restarted after fetching it cannot fetch it again. Re-run the task.',
      409,
      { cause: err },
    );
  }
  throw new TokenError(`Could not get the task's git token: ${err.message}`, err.status, { cause: err });
}

function stoppedMessage(when: string): string {
  return `The task runner was stopped (SIGTERM: the pod is being deleted) ${when}.`;
}

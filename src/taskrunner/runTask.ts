import { ControlPlaneError, toDroverError } from '../errors.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { type CallOptions, ControlPlaneClient } from './ControlPlaneClient.js';
import { reportStatus, stoppedMessage } from './reportStatus.js';
import { type Fail, runTaskJob } from './runTaskJob.js';
import type { TaskData } from './TaskData.js';
import { taskJobSpec } from './taskJobSpec.js';
import type { TaskEnd, TaskRunDeps } from './types.js';

/** The task is over on the control plane (410): stop quietly. */
class TaskGone extends Error {}

/** The one-time git token could not be had. */
class TokenError extends ControlPlaneError {}

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
    await reportStatus(client, log, 'failed', message, { error, error_kind: kind }, finalCall());
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
    return await runTaskJob({ deps, client, log, spec, token, finalCall, fail });
  } finally {
    shutdown.removeEventListener('abort', onShutdown);
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

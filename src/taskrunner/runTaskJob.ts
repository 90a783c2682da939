import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import { CancelledError } from '../errors.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { Runner } from '../runner/Runner.js';
import type { CallOptions, ControlPlaneClient } from './ControlPlaneClient.js';
import { EventStreamer } from './EventStreamer.js';
import { reportStatus, stoppedMessage } from './reportStatus.js';
import { taskEventOf } from './taskEventOf.js';
import type { TaskEnd, TaskRunDeps } from './types.js';

/** Reports `failed` with the error and its kind, and ends the task. */
export type Fail = (error: string, kind: string, jobId?: string) => Promise<TaskEnd>;

export interface TaskJobContext {
  deps: TaskRunDeps;
  client: ControlPlaneClient;
  log: Logger;
  spec: JobSpec;
  /** The task's one-time git token. */
  token: string;
  /** Options of the terminal report's call (its deadline moves up after SIGTERM). */
  finalCall: () => CallOptions;
  fail: Fail;
}

/**
 * The task's Drover job: enqueued with its source, run by a Runner whose git token is the issued one,
 * its agent events streamed and Claude's Stop hook reported as progress, then — after the events —
 * the one terminal report. SIGTERM cancels the job (the pipeline removes the workspace).
 */
export async function runTaskJob(ctx: TaskJobContext): Promise<TaskEnd> {
  const { deps, client, log, spec, token, finalCall, fail } = ctx;
  const { store, shutdown, assignment } = deps;
  // The job is created already claimed by this process (nothing else may run it), when runNew starts.
  let jobId = '';
  let jobLog = log;

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
        reportStatus(
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
    ...(deps.modelAccess ? { modelAccess: deps.modelAccess } : {}),
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
    const { job } = await runner.runNew(
      spec,
      { source: { intake: 'task-runner', taskId: assignment.taskID } },
      (started) => {
        jobId = started.id;
        jobLog = log.child({ jobId });
        jobLog.info(
          { repo: spec.repo, branch: started.branch, agent: spec.agent },
          'running the task as a Drover job',
        );
      },
    );
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
    if (!final) return fail('The job did not run to an end.', 'internal', jobId);
    const message = final.errorMessage ?? `The job ended ${final.status}.`;
    return fail(message, final.errorKind ?? 'internal', jobId);
  }
  const delivered = await reportStatus(
    client,
    jobLog,
    'completed',
    final.prUrl ? `Drover job ${jobId} opened ${final.prUrl}` : `Drover job ${jobId} succeeded`,
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
  return { exitCode: delivered ? 0 : 1, outcome: 'completed', jobId: jobId };
}

import type { Logger } from 'pino';
import type { JobOutcome, JobRecord } from '../jobs/JobRecord.js';
import type { JobLifecycleObserver } from '../runner/types.js';
import { sleep } from '../util/sleep.js';
import type { CallbackConfig } from './CallbackConfig.js';
import { type CallbackPayload, CallbackSender, type CallbackSenderOptions } from './CallbackSender.js';

/**
 * Sends each job's signed start and end callbacks (jobs whose spec has a `callbackUrl`). Runs beside
 * the job, never in its way: the runner is told nothing, one job's notices go out in order (its end
 * never overtakes its start), and drain() lets a command that is about to exit wait a bounded time.
 */
export class CallbackNotifier implements JobLifecycleObserver {
  private readonly sender: CallbackSender | undefined;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly stop = new AbortController();

  constructor(
    config: CallbackConfig,
    private readonly logger: Logger,
    options: Pick<
      CallbackSenderOptions,
      'userAgent' | 'timeoutMs' | 'attempts' | 'backoffMs' | 'maxBackoffMs'
    >,
  ) {
    this.sender = config.secret
      ? new CallbackSender({ ...options, secret: config.secret, policy: config.policy })
      : undefined;
  }

  started(job: JobRecord): void {
    this.enqueue(job, {
      jobId: job.id,
      event: 'started',
      message: `Job ${job.id} started (attempt ${job.attempts})`,
      details: {
        status: 'running',
        attempt: job.attempts,
        repo: job.repo,
        branch: job.branch,
        agent: job.agent,
        runnerId: job.runnerId,
        at: new Date().toISOString(),
      },
    });
  }

  finished(job: JobRecord, outcome: JobOutcome): void {
    const ok = outcome.status === 'succeeded';
    this.enqueue(job, {
      jobId: job.id,
      event: ok ? 'completed' : 'failed',
      message: ok
        ? `Job ${job.id} succeeded`
        : `Job ${job.id} ${outcome.status}${job.errorMessage ? `: ${job.errorMessage}` : ''}`,
      details: {
        status: outcome.status,
        branch: job.branch,
        commit: job.commit,
        prUrl: job.prUrl,
        costUsd: job.costUsd,
        turns: job.turns,
        exitCode: job.exitCode,
        errorKind: job.errorKind,
        errorMessage: job.errorMessage,
        durationMs: job.durationMs,
        at: new Date().toISOString(),
      },
    });
  }

  private enqueue(job: JobRecord, payload: CallbackPayload): void {
    const url = job.spec.callbackUrl;
    if (!url) return;
    const log = this.logger.child({ jobId: job.id, callbackEvent: payload.event });
    if (!this.sender) {
      log.warn('the job has a callbackUrl but DROVER_CALLBACK_SECRET is not set: no callback sent');
      return;
    }
    const sender = this.sender;
    const previous = this.chains.get(job.id) ?? Promise.resolve();
    const next = previous
      .then(() => sender.send(url, payload, this.stop.signal))
      .then(
        (result) => {
          if (result.delivered) log.debug({ attempts: result.attempts }, 'callback delivered');
          else
            log.warn(
              { attempts: result.attempts, status: result.status },
              `callback not delivered: ${result.error}`,
            );
        },
        (err) => log.warn({ err }, 'callback failed'),
      )
      .finally(() => {
        if (this.chains.get(job.id) === next) this.chains.delete(job.id);
      });
    this.chains.set(job.id, next);
  }

  /** Callbacks still being sent (or retried). */
  get pending(): number {
    return this.chains.size;
  }

  /** Waits for pending callbacks up to timeoutMs, then abandons the rest (logged). */
  async drain(timeoutMs: number): Promise<void> {
    const timer = new AbortController();
    const all = Promise.allSettled([...this.chains.values()]);
    const done = await Promise.race([all.then(() => true), sleep(timeoutMs, timer.signal).then(() => false)]);
    timer.abort();
    if (!done) {
      this.logger.warn({ pending: this.chains.size }, 'giving up on callbacks still being retried');
      this.stop.abort();
      await all;
    }
    await this.sender?.close().catch(() => {});
  }
}

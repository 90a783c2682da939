import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import { type DroverError, InterruptedError } from '../errors.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { EnqueueOptions, JobStore } from '../store/types.js';
import { sleep } from '../util/sleep.js';
import { sweepWorkspaces } from '../workspace/sweepWorkspaces.js';
import { defaultWorkRoot } from '../workspace/Workspace.js';
import { type ExecuteDeps, type ExecuteResult, executeLease } from './executeLease.js';
import type { OutputListener, StoredListener } from './JobOutput.js';
import type { JobLifecycleObserver } from './types.js';

export interface RunnerOptions {
  concurrency?: number;
  onOutput?: OutputListener;
  /** Output once stored, for live readers in this process (serve's event streams). */
  onStored?: StoredListener;
  /** A job this runner ran is done (its status is written), for live readers in this process. */
  onJobEnd?: (jobId: string) => void;
  resolveGitToken?: ExecuteDeps['resolveGitToken'];
  /** Told when each job starts and ends (signed callbacks, control-plane reporting). */
  observer?: JobLifecycleObserver;
  /** The model gateway of this process (src/gateway's startModelGateway), injected by the CLI command. */
  modelAccess?: ExecuteDeps['modelAccess'];
  /** How long one claim call waits for work before looping (keeps shutdown responsive). */
  claimWaitMs?: number;
}

const REGISTRATION_EVERY_MS = 5000;

/**
 * A runner process: `concurrency` claim loops over one store. stop() stops claiming, lets in-flight
 * jobs finish up to the drain timeout, then interrupts them (they go back to the queue).
 */
export class Runner {
  private readonly inFlight = new Map<string, Promise<ExecuteResult>>();
  private readonly stopController = new AbortController();
  private readonly claimController = new AbortController();
  private readonly startedAt = new Date().toISOString();
  private loops: Promise<void>[] = [];
  private registration: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private stopping = false;
  /** How many jobs ended interrupted (released for retry or cancelled by shutdown). */
  interrupted = 0;

  constructor(
    private readonly store: JobStore,
    private readonly config: RunnerConfig,
    private readonly logger: Logger,
    private readonly options: RunnerOptions = {},
  ) {}

  get id(): string {
    return this.config.runnerId;
  }

  get jobsInFlight(): string[] {
    return [...this.inFlight.keys()];
  }

  /**
   * Creates a job already claimed by this runner and runs it here (drover run): enqueue and claim are
   * one store operation, so a worker sharing the store never takes it. `onClaimed` sees the job first.
   */
  async runNew(
    spec: JobSpec,
    opts: EnqueueOptions = {},
    onClaimed?: (job: JobRecord) => void,
  ): Promise<{ job: JobRecord; result: ExecuteResult }> {
    const lease = await this.store.enqueueClaimed(spec, {
      ...opts,
      runnerId: this.id,
      leaseMs: this.config.leaseMs,
    });
    onClaimed?.(lease.job);
    this.sweep();
    const result = await this.track(lease.job.id, executeLease(lease, { ...this.deps(), ownJob: true }));
    return { job: lease.job, result };
  }

  /** Starts the claim loops; resolves once they have all ended after stop(). */
  start(): Promise<void> {
    const concurrency = this.options.concurrency ?? 1;
    this.register();
    this.registration = setInterval(() => this.register(), REGISTRATION_EVERY_MS);
    // Workspaces of runners killed before they could clean up: at start, then every few minutes.
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), this.config.sweepIntervalMs);
    this.sweepTimer.unref();
    this.logger.info({ runnerId: this.id, concurrency, store: this.store.kind }, 'runner started');
    for (let i = 0; i < concurrency; i++) this.loops.push(this.loop());
    return Promise.all(this.loops).then(() => undefined);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const lease = await this.store.claim(this.id, {
          leaseMs: this.config.leaseMs,
          waitMs: this.options.claimWaitMs ?? 2000,
          signal: this.claimController.signal,
        });
        if (!lease) continue;
        if (this.stopping) {
          await lease.release('The runner was stopping when it claimed the job.');
          break;
        }
        await this.track(lease.job.id, executeLease(lease, this.deps()));
      } catch (err) {
        this.logger.error({ err }, 'claim loop error; retrying');
        await sleep(1000, this.claimController.signal);
      }
    }
  }

  /** Removes workspaces whose owner process is gone (one sweep at a time; failures are only logged). */
  private sweep(): void {
    if (this.sweeping) return;
    const workRoot = this.config.workDir || defaultWorkRoot();
    this.sweeping = sweepWorkspaces(workRoot, this.logger)
      .catch((err) => this.logger.warn({ err }, 'workspace sweep failed'))
      .finally(() => {
        this.sweeping = undefined;
      });
  }

  private deps(): ExecuteDeps {
    return {
      store: this.store,
      config: this.config,
      logger: this.logger,
      stopSignal: this.stopController.signal,
      ...(this.options.onOutput ? { onOutput: this.options.onOutput } : {}),
      ...(this.options.onStored ? { onStored: this.options.onStored } : {}),
      ...(this.options.onJobEnd ? { onJobEnd: this.options.onJobEnd } : {}),
      ...(this.options.resolveGitToken ? { resolveGitToken: this.options.resolveGitToken } : {}),
      ...(this.options.observer ? { observer: this.options.observer } : {}),
      ...(this.options.modelAccess ? { modelAccess: this.options.modelAccess } : {}),
    };
  }

  private track(jobId: string, run: Promise<ExecuteResult>): Promise<ExecuteResult> {
    const tracked = run
      .then((result) => {
        if (result === 'released') this.interrupted++;
        return result;
      })
      .finally(() => {
        this.inFlight.delete(jobId);
        this.register();
      });
    this.inFlight.set(jobId, tracked);
    this.register();
    return tracked;
  }

  private register(): void {
    if (this.stopping && this.inFlight.size === 0) return;
    this.store
      .registerRunner(
        {
          id: this.id,
          host: hostname(),
          pid: process.pid,
          startedAt: this.startedAt,
          jobs: this.jobsInFlight,
          concurrency: this.options.concurrency ?? 1,
          lastSeenAt: new Date().toISOString(),
        },
        REGISTRATION_EVERY_MS * 3,
      )
      .catch((err) => this.logger.debug({ err }, 'runner registration failed'));
  }

  /**
   * Stops taking work; waits up to drainTimeoutMs for in-flight jobs, then stops them with `reason`
   * (default: interrupted → released for retry).
   */
  async stop(drainTimeoutMs: number, reason: DroverError = new InterruptedError()): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.claimController.abort();
      this.logger.debug({ inFlight: this.inFlight.size, drainTimeoutMs }, 'runner stopping');
    }
    const all = Promise.allSettled([...this.inFlight.values()]);
    const drainTimer = new AbortController(); // so a long drain timeout never keeps the process alive
    const drained = await Promise.race([
      all.then(() => true),
      sleep(drainTimeoutMs, drainTimer.signal).then(() => false),
    ]);
    drainTimer.abort();
    if (!drained) {
      if (!(reason instanceof InterruptedError)) this.interrupted += this.inFlight.size;
      this.stopController.abort(reason);
      await all;
    }
    await Promise.allSettled(this.loops);
    if (this.registration) clearInterval(this.registration);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping;
    await this.store.unregisterRunner(this.id).catch(() => {});
  }
}

import { ForgeApiError } from '../errors.js';
import { isTerminal } from '../jobs/JobStatus.js';
import type { JobStore } from '../store/types.js';
import { finalBody, lostJobBody } from './commentBodies.js';
import type { ForgeDeps } from './ForgeDeps.js';
import { type ForgeTask, isOpen } from './ForgeTask.js';
import { pub, startTask } from './startTask.js';

export interface ReporterOptions {
  /** How often running jobs are looked at (default 1 s). */
  pollMs?: number;
  /** First retry delay of a comment the forge refused; doubles per attempt up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Failed attempts after which a comment is given up (logged). */
  maxAttempts?: number;
}

/** A waiting task is re-checked this often, in case the job ahead ended while no reporter ran. */
const WAITING_RECHECK_MS = 5_000;
const LOCK_MS = 60_000;
const BATCH = 50;

/**
 * Follows the forge's tasks in the store (their jobs may run on workers anywhere): when a job ends it
 * writes the final comment once (retried with backoff while the forge API is down, kept across
 * restarts in the forge state) and starts the next task waiting for the same branch. Every serve
 * process runs one; a task is locked while one of them works on it.
 */
export class ForgeReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly pollMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly deps: ForgeDeps,
    opts: ReporterOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 300_000;
    this.maxAttempts = opts.maxAttempts ?? 50;
  }

  start(): void {
    this.schedule(0);
  }

  /** Runs a pass soon (a task has a comment to write now). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pass()
        .catch((err) => this.deps.logger.warn({ err }, 'forge reporter pass failed'))
        .finally(() => {
          this.running = undefined;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : this.pollMs);
        });
    }, ms);
    this.timer.unref?.();
  }

  /** One pass over the due tasks. Public for tests. */
  async pass(): Promise<void> {
    const due = await this.deps.state.dueTasks(Date.now(), BATCH);
    for (const listed of due) {
      if (this.stopped) return;
      if (!(await this.deps.state.lockTask(listed.id, LOCK_MS))) continue;
      try {
        // Read again under the lock: another process may have moved it on.
        const task = await this.deps.state.getTask(listed.id);
        if (task?.open) await this.step(task);
      } catch (err) {
        this.deps.logger.warn(
          { err: { message: this.deps.masker.mask((err as Error).message) }, taskId: listed.id },
          'forge task step failed; retrying later',
        );
        // Only the time moves: whatever the step saved before failing stays.
        const current = await this.deps.state.getTask(listed.id).catch(() => undefined);
        if (current) {
          await this.deps.state
            .saveTask({ ...current, nextAt: Date.now() + WAITING_RECHECK_MS })
            .catch(() => {});
        }
      } finally {
        await this.deps.state.unlockTask(listed.id).catch(() => {});
      }
    }
  }

  private async step(initial: ForgeTask): Promise<void> {
    let task = initial;
    if (task.state === 'waiting' && task.lane) {
      let head = await this.deps.state.laneHead(task.lane);
      // A head that is gone or already ended (its process died before moving the lane on) steps aside.
      for (let i = 0; i < 20 && head !== undefined && head !== task.id; i++) {
        const ahead = await this.deps.state.getTask(head);
        if (ahead && ahead.state !== 'ended' && ahead.state !== 'notice') break;
        await this.deps.state.leaveLane(task.lane, head);
        head = await this.deps.state.laneHead(task.lane);
      }
      // Not in its lane any more (it was lost): line up again.
      const first =
        head === undefined ? (await this.deps.state.enterLane(task.lane, task.id)) === 0 : head === task.id;
      if (first) task = await startTask(this.deps, task);
    }
    if (task.state === 'running' && task.jobId) {
      const job = await this.deps.store.get(task.jobId);
      if (!job || isTerminal(job.status)) {
        const body = job
          ? finalBody(
              { taskId: task.id, ...pub(this.deps) },
              task.repo.forge,
              job,
              await outputTail(this.deps.store, job.id, this.deps),
            )
          : lostJobBody({ taskId: task.id, ...pub(this.deps) }, task.jobId);
        task = {
          ...task,
          state: 'ended',
          endedAt: new Date().toISOString(),
          comment: { ...(task.comment.id ? { id: task.comment.id } : {}), body, synced: false, attempts: 0 },
        };
        // Saved before the lane moves on: the final comment is owed even if this process dies now.
        await this.deps.state.saveTask({ ...task, open: true, nextAt: Date.now() });
        this.deps.logger.info({ taskId: task.id, jobId: task.jobId, status: job?.status }, 'forge job ended');
      }
    }
    if (task.state === 'ended' && task.lane) {
      // Idempotent: again on every pass while the comment is owed, in case a crash came in between.
      const next = await this.deps.state.leaveLane(task.lane, task.id);
      if (next) await this.startNext(next);
    }
    const now = Date.now();
    if (!task.comment.synced && (task.comment.retryAt ?? 0) <= now) task = await this.syncComment(task);
    // Running: look at the job again soon; waiting: re-check the lane; an owed comment: at its retry time.
    let nextAt =
      task.state === 'running'
        ? now + this.pollMs
        : task.state === 'waiting'
          ? now + WAITING_RECHECK_MS
          : Number.POSITIVE_INFINITY;
    if (!task.comment.synced) nextAt = Math.min(nextAt, Math.max(now, task.comment.retryAt ?? now));
    if (!Number.isFinite(nextAt)) nextAt = now; // closed: no longer due anyway
    await this.deps.state.saveTask({ ...task, open: isOpen(task), nextAt });
  }

  private async startNext(id: string): Promise<void> {
    const next = await this.deps.state.getTask(id);
    if (next?.state !== 'waiting') return;
    if (!(await this.deps.state.lockTask(id, LOCK_MS))) return; // another reporter has it
    try {
      await startTask(this.deps, next);
    } finally {
      await this.deps.state.unlockTask(id).catch(() => {});
    }
  }

  /** Writes the comment's body: edits the one comment, or creates it (again, when it was deleted). */
  private async syncComment(task: ForgeTask): Promise<ForgeTask> {
    const api = this.deps.apis[task.repo.forge];
    const body = this.deps.masker.mask(task.comment.body);
    let commentId = task.comment.id;
    try {
      if (!api) throw new ForgeApiError(`no ${task.repo.forge} credentials are configured`);
      if (commentId) {
        try {
          await api.updateComment(task.repo, task.thread, commentId, body);
        } catch (err) {
          if (!(err instanceof ForgeApiError && err.status === 404)) throw err;
          commentId = undefined; // someone deleted it: the news still gets a comment
        }
      }
      if (!commentId) {
        commentId = await api.createComment(task.repo, task.thread, body);
      }
      const { retryAt: _done, ...comment } = task.comment;
      return { ...task, comment: { ...comment, id: commentId, synced: true, attempts: 0 } };
    } catch (err) {
      const attempts = task.comment.attempts + 1;
      const message = this.deps.masker.mask((err as Error).message);
      if (attempts >= this.maxAttempts) {
        this.deps.logger.error(
          { taskId: task.id, attempts, err: { message } },
          'giving up on a forge comment',
        );
        return { ...task, comment: { ...task.comment, synced: true, attempts } };
      }
      const delay =
        Math.min(this.backoffMs * 2 ** (attempts - 1), this.maxBackoffMs) + Math.floor(Math.random() * 250);
      this.deps.logger.warn(
        { taskId: task.id, attempts, retryInMs: delay, err: { message } },
        'forge comment failed; will retry',
      );
      return {
        ...task,
        comment: {
          ...task.comment,
          ...(commentId ? { id: commentId } : {}),
          attempts,
          retryAt: Date.now() + delay,
        },
      };
    }
  }
}

/** The last lines the job's commands printed (stdout/stderr), masked again with the forge's secrets. */
export async function outputTail(
  store: JobStore,
  jobId: string,
  deps: Pick<ForgeDeps, 'masker'>,
  lines = 20,
): Promise<string[]> {
  const last = await store.lastSeq(jobId);
  const entries = await store.readOutput(jobId, Math.max(0, last - 400), 400);
  return entries
    .filter((e) => (e.stream === 'stdout' || e.stream === 'stderr') && e.line.trim())
    .slice(-lines)
    .map((e) => deps.masker.mask(e.line.length > 300 ? `${e.line.slice(0, 300)}…` : e.line));
}

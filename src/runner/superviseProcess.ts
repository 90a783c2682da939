import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setLongTimeout } from '../util/longTimeout.js';

export type EndReason = 'exit' | 'timeout' | 'idle' | 'aborted';

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  reason: EndReason;
  /** signal.reason when reason is 'aborted' (a CancelledError, InterruptedError, BudgetError...). */
  abortReason?: unknown;
  durationMs: number;
  /** Error spawning the process (e.g. ENOENT), when it never ran. */
  spawnError?: Error;
}

/** A chunk handler may return a promise to apply backpressure: the stream pauses until it settles. */
export type ChunkHandler = (chunk: Buffer) => Promise<void> | undefined;

export interface SuperviseOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Text written to stdin then closed; null closes stdin at once (agents that would wait on it). */
  stdin: string | null;
  timeoutMs: number;
  idleTimeoutMs: number;
  /** SIGTERM → SIGKILL grace. */
  killGraceMs?: number;
  signal?: AbortSignal;
  onStdout: ChunkHandler;
  onStderr: ChunkHandler;
}

export interface SupervisedProcess {
  readonly pid: number | undefined;
  /** Marks activity that is not output (e.g. a file changed in the workspace) for the idle watchdog. */
  touch(): void;
  /** Stops the process tree early (reason reported as 'aborted'). */
  stop(reason: unknown): void;
  readonly result: Promise<ProcessResult>;
}

/**
 * Runs a command in its own process group with a wall-clock timeout and an idle watchdog, and kills
 * the whole group (SIGTERM, then SIGKILL after a grace period) when either fires, when aborted, and
 * after the main process exits, so no grandchild outlives the job.
 */
export function superviseProcess(opts: SuperviseOptions): SupervisedProcess {
  const started = Date.now();
  const grace = opts.killGraceMs ?? 5000;
  let reason: EndReason = 'exit';
  let abortReason: unknown;
  let lastActivity = Date.now();
  let killing = false;
  let child: ChildProcess;

  const killGroup = (sig: NodeJS.Signals) => {
    if (child?.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const terminate = (why: EndReason, detail?: unknown) => {
    if (killing) return;
    killing = true;
    reason = why;
    abortReason = detail;
    killGroup('SIGTERM');
    setLongTimeout(() => killGroup('SIGKILL'), grace).unref();
  };

  const result = new Promise<ProcessResult>((resolve) => {
    try {
      child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        env: opts.env,
        detached: true, // own process group: kill(-pid) reaches every descendant that stays in it
        stdio: [opts.stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      resolve({ exitCode: null, signal: null, reason: 'exit', durationMs: 0, spawnError: err as Error });
      return;
    }
    // Chained timers: a job timeout may exceed what one setTimeout can hold (~24.8 days).
    const timeout = setLongTimeout(() => terminate('timeout'), opts.timeoutMs);
    const idleCheck = setInterval(
      () => {
        if (Date.now() - lastActivity >= opts.idleTimeoutMs) terminate('idle');
      },
      Math.max(50, Math.min(1000, opts.idleTimeoutMs / 4)),
    );
    const onAbort = () => terminate('aborted', opts.signal?.reason);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    if (child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE when the agent never reads stdin
      child.stdin.end(opts.stdin ?? '');
    }
    pump(child.stdout!, opts.onStdout, () => (lastActivity = Date.now()));
    pump(child.stderr!, opts.onStderr, () => (lastActivity = Date.now()));

    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('exit', () => {
      // The leader is gone; anything left in its group (background jobs, daemons) goes with it.
      killGroup('SIGKILL');
    });
    child.on('close', (code, sig) => {
      timeout.clear();
      clearInterval(idleCheck);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode: code,
        signal: sig,
        reason,
        abortReason,
        durationMs: Date.now() - started,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });

  return {
    get pid() {
      return child?.pid;
    },
    touch: () => {
      lastActivity = Date.now();
    },
    stop: (why: unknown) => terminate('aborted', why),
    result,
  };
}

function pump(stream: Readable, handler: ChunkHandler, onActivity: () => void): void {
  stream.on('data', (chunk: Buffer) => {
    onActivity();
    const pending = handler(chunk);
    if (pending) {
      stream.pause();
      pending.then(
        () => stream.resume(),
        () => stream.resume(),
      );
    }
  });
}

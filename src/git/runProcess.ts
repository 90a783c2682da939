import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  cwd?: string | undefined;
  /** The whole environment of the child (nothing is inherited). */
  env: NodeJS.ProcessEnv;
  /** Written to stdin, then closed; without it stdin is /dev/null. */
  input?: string | Buffer | undefined;
  /** How stdout is decoded (default utf8; latin1 keeps every byte of a file name as one character). */
  stdoutEncoding?: BufferEncoding | undefined;
  /** SIGTERM after this long, SIGKILL 5 s later. */
  timeoutMs: number;
}

export interface RunProcessResult {
  stdout: string;
  stderr: string;
  /** null when the process was killed by a signal or never started. */
  exitCode: number | null;
  timedOut: boolean;
}

/**
 * Runs a short-lived command and collects its output: the few features Drover's git calls need, on
 * node:child_process directly (a job makes ~20 git calls; a general-purpose wrapper cost several ms of
 * CPU each, and its ~100 modules a slower CLI start). Never rejects: a spawn error is in stderr.
 */
export function runProcess(
  command: string,
  args: string[],
  opts: RunProcessOptions,
): Promise<RunProcessResult> {
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, opts.timeoutMs);
    child.stdout!.on('data', (c: Buffer) => stdout.push(c));
    child.stderr!.on('data', (c: Buffer) => stderr.push(c));
    if (child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE: the command exited without reading all its input
      child.stdin.end(opts.input);
    }
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const err = stripFinalNewline(Buffer.concat(stderr).toString('utf8'));
      resolve({
        stdout: stripFinalNewline(Buffer.concat(stdout).toString(opts.stdoutEncoding ?? 'utf8')),
        stderr: spawnError ? `${err}${err ? '\n' : ''}${spawnError.message}` : err,
        exitCode: spawnError ? null : code,
        timedOut,
      });
    });
  });
}

function stripFinalNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

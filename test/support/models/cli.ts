// Runs a real agent CLI with a hard time limit, for tests that pair it with a scripted model server.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Path of an agent CLI installed as a dev dependency (`node_modules/.bin/<name>`). */
export function cliBin(name: 'claude' | 'codex' | 'gemini'): string {
  return resolve(repoRoot, 'node_modules/.bin', name);
}

/** PATH with just node (gemini is a node script), git and the system shells. */
export function minimalPath(): string {
  return [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}

export interface CliResult {
  /** Exit code, or null when killed by a signal (including the time limit). */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout lines that parse as JSON objects (stream-json / JSONL output). */
  events: Record<string, unknown>[];
}

export interface RunCliOptions {
  cwd: string;
  /** The complete environment (not merged with process.env, so the host's keys and config stay out). */
  env: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Spawns `bin args` with stdin closed (codex waits on an open stdin) in its own process group, and
 * SIGKILLs the whole group after `timeoutMs` (default 90 s) so tool subprocesses die too.
 */
export function runCli(bin: string, args: string[], opts: RunCliOptions): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs ?? 90_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Reap anything the CLI left behind in its group (background shells, relaunched children).
      killGroup();
      resolvePromise({ code, signal, timedOut, stdout, stderr, events: parseJsonLines(stdout) });
    });
  });
}

export function parseJsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const v = JSON.parse(t) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // Not JSON: CLIs mix in plain log lines.
    }
  }
  return out;
}

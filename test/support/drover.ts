import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm run build runs before the tests). */
export const DROVER_BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface DroverResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface DroverRunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  /** Kill the CLI after this long (tests stay bounded). */
  timeoutMs?: number;
}

let dataHome: string | undefined;
/** A per-process XDG_DATA_HOME: a CLI given no --data-dir must not use the developer's own store. */
function testDataHome(): string {
  if (!dataHome) {
    const dir = mkdtempSync(join(tmpdir(), 'drover-test-xdg-'));
    dataHome = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return dataHome;
}

/** Environment for the CLI in tests: hermetic git, quiet logs, no inherited DROVER_* settings. */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('DROVER_') && !k.startsWith('GIT_') && v !== undefined) env[k] = v;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    DROVER_LOG_LEVEL: 'warn',
    NO_COLOR: '1',
    XDG_DATA_HOME: testDataHome(),
    ...extra,
  };
}

/** Starts the CLI; the caller may signal it. */
export function spawnDrover(
  args: string[],
  opts: DroverRunOptions = {},
): { child: ChildProcess; done: Promise<DroverResult> } {
  const child = spawn(process.execPath, [DROVER_BIN, ...args], {
    cwd: opts.cwd,
    env: testEnv(opts.env) as Record<string, string>,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.end(opts.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const done = new Promise<DroverResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function runDrover(args: string[], opts: DroverRunOptions = {}): Promise<DroverResult> {
  return spawnDrover(args, opts).done;
}

// Process helpers for the benchmark: hermetic git, timed child processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let home;
/** process.env without GIT_* / DROVER_*, with an empty HOME and no system/global git config. */
export function gitEnv(extra = {}) {
  if (!home) {
    const dir = mkdtempSync(join(tmpdir(), 'drover-bench-home-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    home = dir;
  }
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('GIT_') && !k.startsWith('DROVER_') && v !== undefined) env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@drover.test',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@drover.test',
    LC_ALL: 'C',
    ...extra,
  };
}

export function benchHome() {
  gitEnv();
  return home;
}

/** Runs a command; resolves { code, stdout, stderr, ms }. Rejects on non-zero exit unless allowFailure. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? gitEnv(),
      // ignoreStderr: a job's live output (drover run --json) would otherwise pile up in this process.
      stdio: ['ignore', 'pipe', opts.ignoreStderr ? 'ignore' : 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr?.on('data', (c) => err.push(c));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const res = {
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: Number(process.hrtime.bigint() - start) / 1e6,
      };
      if (code !== 0 && !opts.allowFailure) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${res.stderr.slice(-2000)}`));
      } else resolve(res);
    });
  });
}

export function git(args, opts = {}) {
  return run('git', args, opts);
}

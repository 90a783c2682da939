// Worker processes and an in-process store handle for the queue benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DROVER, dist, droverEnv } from './drover.mjs';

/** Opens the same store the workers use (embedded data dir or Redis URL + prefix). */
export async function openBenchStore({ dataDir, redisUrl, prefix }) {
  const { openStore } = await dist('store/openStore.js');
  return openStore({ dataDir, ...(redisUrl ? { redisUrl, redisPrefix: prefix } : {}) });
}

export function storeFlags({ dataDir, redisUrl, prefix }) {
  return redisUrl
    ? ['--redis', redisUrl, '--redis-prefix', prefix, '--data-dir', dataDir]
    : ['--data-dir', dataDir];
}

/** Starts `count` `drover worker` processes and waits until they have all registered. */
export async function startWorkers(count, where, store, env) {
  const children = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [DROVER, 'worker', ...storeFlags(where)], {
      // Bench jobs name generated repos under the temp dir through the store API (no CLI source).
      env: droverEnv({ DROVER_ALLOW_LOCAL_REPOS: tmpdir(), ...env }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
    });
    child.errText = () => err;
    children.push(child);
  }
  const deadline = Date.now() + 60_000;
  while ((await store.listRunners()).length < count) {
    if (Date.now() > deadline)
      throw new Error(`workers did not register: ${children.map((c) => c.errText()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pids: children.map((c) => c.pid),
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise((resolve) => {
              if (c.exitCode !== null) return resolve();
              const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
              c.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

export const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'needs_human'];

/** A valid command-agent job spec for the bench (no push, no changes needed). */
export async function benchSpec(url, agentCmd) {
  const { parseJobSpec } = await dist('jobs/parseJobSpec.js');
  return parseJobSpec({
    repo: url,
    baseRef: 'main',
    prompt: 'Bench',
    agent: 'command',
    agentCmd,
    push: false,
    allowNoChanges: true,
  });
}

/** CPU (ms) a process used itself and used by the children it waited for, from /proc/<pid>/stat. */
export function processCpu(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / CLOCK_TICKS;
  // After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based).
  return {
    self: (Number(fields[11]) + Number(fields[12])) * tick,
    children: (Number(fields[13]) + Number(fields[14])) * tick,
  };
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * Runs `fn` with strace attached to a process and everything it starts; resolves the number of
 * programs started (successful execve calls), or undefined without strace.
 */
export async function countExecs(pid, fn) {
  const out = join(tmpdir(), `drover-bench-strace-${process.pid}-${pid}.txt`);
  const tracer = spawn('strace', ['-f', '-qq', '-c', '-e', 'trace=execve', '-o', out, '-p', String(pid)], {
    stdio: 'ignore',
  });
  const started = await new Promise((resolve) => {
    tracer.once('error', () => resolve(false));
    // strace attaches within milliseconds; give it time on a busy machine.
    setTimeout(() => resolve(tracer.exitCode === null), 1000);
  });
  if (!started) {
    await fn();
    return undefined;
  }
  try {
    await fn();
  } finally {
    tracer.kill('SIGINT');
    await new Promise((resolve) => tracer.once('exit', resolve));
  }
  const summary = existsSync(out) ? readFileSync(out, 'utf8') : '';
  rmSync(out, { force: true });
  const row = summary.split('\n').find((l) => /\sexecve$/.test(l));
  if (!row) return undefined;
  // % time, seconds, usecs/call, calls, [errors,] syscall: failed calls are PATH lookups.
  const cols = row.trim().split(/\s+/);
  const calls = Number(cols[3]);
  const errors = cols.length === 6 ? Number(cols[4]) : 0;
  return calls - errors;
}

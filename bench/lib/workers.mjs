// Worker processes and an in-process store handle for the queue benchmarks.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
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

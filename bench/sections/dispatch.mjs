// 4. Dispatch latency: enqueue → agent process running, p50/p99 over 500 jobs, embedded and Redis.
// The bench process enqueues through the store API while a separate `drover worker` process waits
// for work (cross-process wakeup, as in production). The agent's first act is `date +%s%N`, so the
// latency ends when the agent really runs (after claim, workspace prep and sandbox setup). Jobs run
// one at a time so queueing behind earlier jobs is not counted. Baseline: node spawning the same
// `sh -c 'date +%s%N'` directly.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedRepo } from '../lib/genRepo.mjs';
import { startRedis } from '../lib/redis.mjs';
import { percentile, round } from '../lib/stats.mjs';
import { benchSpec, openBenchStore, startWorkers, TERMINAL } from '../lib/workers.mjs';

const nowMs = () => performance.timeOrigin + performance.now();

export async function dispatch({ quick }) {
  const n = quick ? 40 : 500;
  const warmup = 5;
  const url = `file://${await generatedRepo({ files: 3, commits: 1 })}`;
  const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-dispatch-'));
  const redis = await startRedis().catch(() => undefined);
  const rows = [];
  try {
    const floor = [];
    for (let i = 0; i < 100; i++) {
      const t0 = nowMs();
      const out = await new Promise((resolve) => {
        const c = spawn('sh', ['-c', 'date +%s%N'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let s = '';
        c.stdout.on('data', (d) => (s += d));
        c.on('close', () => resolve(s));
      });
      floor.push(Number(out.trim()) / 1e6 - t0);
    }
    rows.push({
      section: 'dispatch',
      metric: 'baseline: node spawns sh -c date (p50 / p99)',
      value: `${round(percentile(floor, 50), 1)} / ${round(percentile(floor, 99), 1)}`,
      unit: 'ms',
    });
    const backends = [['embedded', {}]];
    if (redis) backends.push(['redis', { redisUrl: redis.url, prefix: 'bench-dispatch:' }]);
    for (const [backend, extra] of backends) {
      const where = { dataDir: join(tmp, `data-${backend}`), ...extra };
      const store = await openBenchStore(where);
      const workers = await startWorkers(1, where, store, { DROVER_WORK_DIR: join(tmp, 'work') });
      const spec = await benchSpec(url, 'date +%s%N');
      const total = [];
      const queue = [];
      try {
        for (let i = 0; i < n + warmup; i++) {
          const t0 = nowMs();
          const job = await store.enqueue(spec);
          let final;
          const deadline = Date.now() + 60_000;
          for (;;) {
            final = await store.get(job.id);
            if (TERMINAL.includes(final.status)) break;
            if (Date.now() > deadline) throw new Error(`job ${job.id} did not finish`);
            await new Promise((r) => setTimeout(r, 3));
          }
          if (final.status !== 'succeeded')
            throw new Error(`bench job ${job.id} ${final.status}: ${final.errorMessage}`);
          const out = await store.readOutput(job.id, 0, 1000);
          const stamp = out.find((e) => e.stream === 'stdout' && /^\d{18,}$/.test(e.line));
          if (!stamp) throw new Error(`no timestamp in the output of ${job.id}`);
          if (i < warmup) continue;
          total.push(Number(stamp.line) / 1e6 - t0);
          queue.push(Date.parse(final.startedAt) - t0);
        }
      } finally {
        await workers.stop();
        await store.close();
      }
      const prep = total.map((t, i) => t - queue[i]);
      rows.push({
        section: 'dispatch',
        metric: `enqueue → agent running, ${backend} (p50 / p99, ${n} jobs)`,
        value: `${round(percentile(total, 50), 1)} / ${round(percentile(total, 99), 1)}`,
        unit: 'ms',
        detail:
          `queue→claimed p50 ${round(percentile(queue, 50), 1)} p99 ${round(percentile(queue, 99), 1)}; ` +
          `claimed→agent p50 ${round(percentile(prep, 50), 1)} p99 ${round(percentile(prep, 99), 1)}`,
        target: 'p99 ≤ 25 ms',
        samples: { totalMs: total.map((x) => round(x, 1)), queueMs: queue.map((x) => round(x, 1)) },
      });
    }
  } finally {
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

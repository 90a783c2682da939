// 5. Scaling: 200 trivial jobs drained by 1 and then 2 worker processes (Redis; embedded for
// reference): jobs/s and the ratio. Workers are up and registered before the jobs are enqueued.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedRepo } from '../lib/genRepo.mjs';
import { startRedis } from '../lib/redis.mjs';
import { round } from '../lib/stats.mjs';
import { benchSpec, openBenchStore, startWorkers, TERMINAL } from '../lib/workers.mjs';

export async function scaling({ quick }) {
  const jobs = quick ? 30 : 200;
  const url = `file://${await generatedRepo({ files: 3, commits: 1 })}`;
  const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-scaling-'));
  const redis = await startRedis().catch(() => undefined);
  const rows = [];
  try {
    const spec = await benchSpec(url, 'echo trivial');
    const backends = redis
      ? [
          ['redis', { redisUrl: redis.url }],
          ['embedded', {}],
        ]
      : [['embedded', {}]];
    for (const [backend, extra] of backends) {
      const rate = {};
      for (const count of [1, 2]) {
        const where = {
          dataDir: join(tmp, `data-${backend}-${count}`),
          ...extra,
          prefix: `bench-scale-${count}:`,
        };
        const store = await openBenchStore(where);
        const workers = await startWorkers(count, where, store, { DROVER_WORK_DIR: join(tmp, 'work') });
        try {
          const t0 = performance.now();
          const ids = [];
          for (let i = 0; i < jobs; i++) ids.push((await store.enqueue(spec)).id);
          const deadline = Date.now() + 30 * 60_000;
          for (;;) {
            const counts = await store.countByStatus();
            const done = TERMINAL.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
            if (done >= jobs) {
              if (counts.succeeded < jobs) throw new Error(`only ${counts.succeeded}/${jobs} jobs succeeded`);
              break;
            }
            if (Date.now() > deadline) throw new Error('scaling jobs did not finish');
            await new Promise((r) => setTimeout(r, 20));
          }
          rate[count] = jobs / ((performance.now() - t0) / 1000);
        } finally {
          await workers.stop();
          await store.close();
        }
      }
      rows.push({
        section: 'scaling',
        metric: `${jobs} trivial jobs, 2 workers ÷ 1 worker (${backend})`,
        value: round(rate[2] / rate[1]),
        unit: 'ratio',
        detail: `${round(rate[1], 1)} → ${round(rate[2], 1)} jobs/s on ${(await import('node:os')).cpus().length} cores`,
        target: '≥ 1.6 and ≥ 10 jobs/s',
      });
    }
  } finally {
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

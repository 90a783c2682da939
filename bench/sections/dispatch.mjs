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
import {
  benchSpec,
  countExecs,
  openBenchStore,
  processCpu,
  startWorkers,
  TERMINAL,
} from '../lib/workers.mjs';

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
      let cpu;
      let execs;
      const runOne = async () => {
        const t0 = nowMs();
        const job = await store.enqueue(spec);
        let final;
        const deadline = Date.now() + 60_000;
        for (;;) {
          final = await store.get(job.id);
          if (TERMINAL.includes(final.status)) break;
          if (Date.now() > deadline) throw new Error(`job ${job.id} did not finish`);
          // The time measured is the agent's own stamp, so a slower poll does not change it; a busy poll
          // would compete with the worker for the two cores.
          await new Promise((r) => setTimeout(r, 20));
        }
        if (final.status !== 'succeeded')
          throw new Error(`bench job ${job.id} ${final.status}: ${final.errorMessage}`);
        const out = await store.readOutput(job.id, 0, 1000);
        const stamp = out.find((e) => e.stream === 'stdout' && /^\d{18,}$/.test(e.line));
        if (!stamp) throw new Error(`no timestamp in the output of ${job.id}`);
        return { total: Number(stamp.line) / 1e6 - t0, queue: Date.parse(final.startedAt) - t0 };
      };
      try {
        for (let i = 0; i < warmup; i++) await runOne();
        // The worker's own CPU (utime + stime) and its children's (git, bubblewrap, the agent), per job.
        const before = processCpu(workers.pids[0]);
        for (let i = 0; i < n; i++) {
          const r = await runOne();
          total.push(r.total);
          queue.push(r.queue);
        }
        const after = processCpu(workers.pids[0]);
        cpu = { self: (after.self - before.self) / n, children: (after.children - before.children) / n };
        // Programs started per job (strace on the worker and all it starts; slow, so a separate pass).
        const traced = quick ? 5 : 20;
        const count = await countExecs(workers.pids[0], async () => {
          for (let i = 0; i < traced; i++) await runOne();
        });
        if (count !== undefined) execs = count / traced;
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
        target: 'p50 ≤ 60, p99 ≤ 100 ms',
        samples: { totalMs: total.map((x) => round(x, 1)), queueMs: queue.map((x) => round(x, 1)) },
      });
      rows.push({
        section: 'dispatch',
        metric: `Drover's own CPU per trivial job, ${backend} (worker process, without its children)`,
        value: round(cpu.self, 0),
        unit: 'ms',
        detail:
          `children (git, bubblewrap, agent) ${round(cpu.children, 0)} ms CPU per job` +
          (execs !== undefined ? `; ${round(execs, 1)} programs started per job` : ''),
      });
      if (execs !== undefined) {
        rows.push({
          section: 'dispatch',
          metric: `processes per trivial job, ${backend} (execve by the worker and its children)`,
          value: round(execs, 1),
          unit: 'processes',
          detail: 'strace -f -c -e trace=execve on the worker; failed PATH lookups not counted',
        });
      }
    }
  } finally {
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

// 3. Log pipeline: an agent printing 1M lines, and one printing 1 GB, through masking into the store
// (embedded and Redis). lines/s = N / (T(job printing N lines) − T(same job printing nothing)), so
// clone/commit/startup costs cancel out; peak RSS of the runner process from /usr/bin/time.
// Baseline: the same generator piped into a file (`| cat > file`), measured in the same run.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drover, droverEnv, REPO, ROOT } from '../lib/drover.mjs';
import { generatedRepo } from '../lib/genRepo.mjs';
import { run } from '../lib/proc.mjs';
import { startRedis } from '../lib/redis.mjs';
import { median, round } from '../lib/stats.mjs';

const SECRET = 'bench-secret-4f1c9a7e2d';
const require = createRequire(join(REPO, 'package.json'));

/** Lines of ~80 bytes; every 1000th carries the secret, which must never reach the store. */
const linesCmd = (n) =>
  `awk 'BEGIN { for (i = 1; i <= ${n}; i++) { if (i % 1000 == 0) print "line " i " token=${SECRET}"; ` +
  `else printf "line %08d the quick brown fox jumps over the lazy dog, benchmark log output\\n", i } }'`;
/** `bytes` of 1 KiB lines. */
const bytesCmd = (bytes) => `yes "$(printf '%01023d' 7)" | head -c ${bytes}`;

export async function logs({ quick, runs }) {
  const nLines = quick ? 100_000 : 1_000_000;
  const nBytes = quick ? 64 * 1024 ** 2 : 1024 ** 3;
  const source = await generatedRepo({ files: 3, commits: 1 });
  const url = `file://${source}`;
  const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-logs-'));
  const redis = await startRedis().catch(() => undefined);
  const rows = [];
  try {
    // Raw baselines: what the generators cost with a trivial consumer.
    const raw = async (cmd) => {
      const ms = [];
      for (let i = 0; i < runs; i++) {
        ms.push((await run('sh', ['-c', `${cmd} | cat > ${join(tmp, 'raw.out')}`])).ms);
      }
      rmSync(join(tmp, 'raw.out'), { force: true });
      return median(ms);
    };
    const rawLines = await raw(linesCmd(nLines));
    const rawBytes = await raw(bytesCmd(nBytes));
    rows.push({
      section: 'logs',
      metric: `baseline: generator | cat > file, ${nLines / 1000}k lines`,
      value: Math.round(nLines / (rawLines / 1000)),
      unit: 'lines/s',
      detail: `${round(rawLines, 0)} ms`,
    });

    // The runner's pipeline alone (agent stdout chunks → lineSink → JobOutput → store, in one process),
    // without the job around it: the upper bound of what a job can sustain.
    const pipeline = async (target) => {
      const out = [];
      for (let i = 0; i < runs; i++) {
        const script = join(REPO, 'bench/tools/pipelineProfile.mjs');
        const res = await run(process.execPath, [script, String(nLines), target, '--json'], {
          env: { ...process.env, BENCH_DROVER_ROOT: ROOT },
        });
        out.push(JSON.parse(res.stdout.trim().split('\n').at(-1)));
      }
      return out;
    };
    for (const [backend, target] of [['embedded', 'sqlite'], ...(redis ? [['redis', redis.url]] : [])]) {
      const res = await pipeline(target);
      rows.push({
        section: 'logs',
        metric: `${nLines / 1000}k lines, runner pipeline alone (${backend})`,
        value: median(res.map((r) => r.linesPerSec)),
        unit: 'lines/s',
        detail: `in-process lineSink → mask → JobOutput → store; RSS ${median(res.map((r) => r.rssMb))} MB`,
        target: '≥ 200k lines/s',
      });
    }

    const backends = [['embedded', []]];
    if (redis && (await redisAvailable())) backends.push(['redis', ['--redis', redis.url]]);
    for (const [backend, flags] of backends) {
      const dataDir = join(tmp, `data-${backend}`);
      const job = async (cmd) => {
        const res = await drover(
          ['run', '--repo', url, '--base', 'main', '--prompt', 'Bench: logs', '--agent', 'command']
            .concat(['--agent-cmd', cmd, '--no-push', '--allow-no-changes', '--json', '--data-dir', dataDir])
            .concat(flags),
          {
            env: droverEnv({
              DROVER_WORK_DIR: join(tmp, 'work'),
              DROVER_MASK_ENV: 'BENCH_SECRET',
              BENCH_SECRET: SECRET,
              // Keep every line in Redis too (its default cap is 100k entries per job).
              DROVER_REDIS_OUTPUT_MAXLEN: '100000000',
            }),
            rssFile: join(tmp, 'rss.txt'),
            ignoreStderr: true,
            timeoutMs: 30 * 60_000,
          },
        );
        const record = JSON.parse(res.stdout);
        if (record.status !== 'succeeded') throw new Error(`bench job failed: ${res.stdout}`);
        return { ...res, id: record.id };
      };
      const t0 = [];
      const tN = [];
      const rss = [];
      let checked;
      for (let i = 0; i < runs + 1; i++) {
        const empty = await job('true');
        const full = await job(linesCmd(nLines));
        if (i === 0) continue; // warm-up
        t0.push(empty.ms);
        tN.push(full.ms);
        rss.push(full.rssKb);
        checked ??=
          backend === 'embedded' ? storedLines(dataDir, full.id) : await redisLines(redis.url, full.id);
      }
      const pipelineMs = median(tN) - median(t0);
      rows.push({
        section: 'logs',
        metric: `${nLines / 1000}k lines → masked → store (${backend})`,
        value: Math.round(nLines / (pipelineMs / 1000)),
        unit: 'lines/s',
        detail:
          `${round(pipelineMs / rawLines, 1)}× the raw pipe; peak RSS ${Math.round(median(rss) / 1024)} MB` +
          `; ${checked.count} lines stored` +
          (checked.leaks !== undefined ? `, ${checked.leaks} unmasked secrets` : ''),
        target: '≥ 200k lines/s, ≤ 200 MB',
        samples: { t0: t0.map(Math.round), tN: tN.map(Math.round), rssKb: rss },
      });

      const big = await job(bytesCmd(nBytes));
      const bigMs = big.ms - median(t0);
      rows.push({
        section: 'logs',
        metric: `${Math.round(nBytes / 1024 ** 2)} MB of 1 KiB lines → store (${backend})`,
        value: Math.round(nBytes / 1024 ** 2 / (bigMs / 1000)),
        unit: 'MB/s',
        detail: `${round(bigMs / rawBytes, 1)}× the raw pipe; peak RSS ${Math.round(big.rssKb / 1024)} MB`,
        target: '≤ 200 MB RSS',
      });
      if (existsSync(join(dataDir, 'drover.db'))) {
        process.stderr.write(
          `  (${backend} db: ${Math.round(statSync(join(dataDir, 'drover.db')).size / 1024 ** 2)} MB)\n`,
        );
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

function storedLines(dataDir, id) {
  const Database = require('better-sqlite3');
  const db = new Database(join(dataDir, 'drover.db'), { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT SUM(stream = 'stdout') AS count, SUM(instr(line, ?) > 0) AS leaks FROM job_output WHERE job_id = ?`,
      )
      .get(SECRET, id);
    return { count: row.count, leaks: row.leaks };
  } finally {
    db.close();
  }
}

/** Entries in the job's Redis output stream. */
async function redisLines(url, id) {
  const res = await run('redis-cli', ['-u', url, 'XLEN', `job:${id}:output`]);
  return { count: Number(res.stdout.trim()) };
}

/** Whether this build has the Redis backend (openStore accepts a redis URL). */
async function redisAvailable() {
  const res = await drover(['list', '--redis', 'redis://127.0.0.1:1', '--json'], {
    allowFailure: true,
    timeoutMs: 5000,
  });
  return !/not available in this build/.test(res.stderr + res.stdout);
}

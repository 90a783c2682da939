import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DroverResult, runDrover, spawnDrover } from '../support/drover.js';
import { startServe } from '../support/droverServer.js';
import { type BareRepo, createBareRepo, listBranches } from '../support/gitRepos.js';
import { processesMatching, waitFor } from '../support/processes.js';
import { type RedisServer, startRedisServer } from '../support/redisServer.js';

// `drover run` beside idle workers on the same store: the job it creates is claimed by it in the same
// step, so no worker can take it (it would otherwise show no live output and exit 1). If the run dies,
// its lease lapses and a worker finishes the job.

let repo: BareRepo;
let redis: RedisServer;
let workDir: string;
let markDir: string;

beforeAll(async () => {
  repo = await createBareRepo();
  redis = await startRedisServer();
  workDir = mkdtempSync(join(tmpdir(), 'drover-beside-work-'));
  markDir = mkdtempSync(join(tmpdir(), 'drover-beside-mark-'));
});
afterAll(async () => {
  await repo.cleanup();
  await redis.cleanup();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(markDir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({ DROVER_WORK_DIR: workDir, ...extra });

/** 10 `drover run`s at once (5 at a time on this small machine); every one must show its own job live. */
async function tenRuns(store: string[]): Promise<void> {
  const results: { n: number; pid: number; res: DroverResult }[] = [];
  for (const batch of [0, 5]) {
    const started = Array.from({ length: 5 }, (_, i) => {
      const n = batch + i;
      const run = spawnDrover(
        [
          'run',
          '--repo',
          repo.bareDir,
          ...store,
          '--prompt',
          `run ${n}`,
          '--agent-cmd',
          `echo "live from run ${n}"; echo ${n} > run${n}.txt`,
        ],
        { env: env() },
      );
      return run.done.then((res) => ({ n, pid: run.child.pid!, res }));
    });
    results.push(...(await Promise.all(started)));
  }
  for (const { n, pid, res } of results) {
    expect(res.stderr, `run ${n}`).not.toMatch(/Error|error/);
    expect(res.stdout, `run ${n}`).toContain('==> Running agent (command)');
    expect(res.stdout, `run ${n}`).toContain(`live from run ${n}`);
    expect(res.stdout, `run ${n}`).toMatch(/status\s+succeeded/);
    expect(res.code, `run ${n}`).toBe(0);
    const id = /Job (\S+) →/.exec(res.stdout)![1]!;
    const record = JSON.parse((await runDrover(['status', id, '--json', ...store])).stdout);
    // Claimed by the run process itself (runner ids are <host>-<pid>-<random>), on its first attempt.
    expect(record).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(record.runnerId).toContain(`-${pid}-`);
  }
}

/** A run killed with -9 mid-job: its lease lapses and a worker of the store finishes the job. */
async function runDiesAndWorkerFinishes(store: string[], tag: string, n: number): Promise<void> {
  const mark = join(markDir, tag);
  const sleep = `sleep ${process.pid}${n}`;
  const agent = `if [ ! -e "${mark}" ]; then touch "${mark}"; ${sleep}; fi; echo done > ${tag}.txt`;
  const run = spawnDrover(
    [
      'run',
      '--repo',
      repo.bareDir,
      ...store,
      '--prompt',
      `dies ${tag}`,
      '--agent-cmd',
      agent,
      '--sandbox',
      'none',
    ],
    { env: env({ DROVER_LEASE: '2s' }) },
  );
  let out = '';
  run.child.stdout!.on('data', (d: string) => (out += d));
  await waitFor(() => processesMatching(sleep).length > 0, 30_000, 'the run’s agent to start');
  const id = (await waitFor(() => /Job (\S+) →/.exec(out)?.[1], 10_000, 'the job id'))!;
  run.child.kill('SIGKILL');
  await run.done;
  for (const p of processesMatching(sleep)) process.kill(p.pid, 'SIGKILL');
  const record = await waitFor(
    async () => {
      const s = JSON.parse((await runDrover(['status', id, '--json', ...store])).stdout);
      return ['succeeded', 'failed'].includes(s.status) ? s : undefined;
    },
    90_000,
    'a worker to finish the dead run’s job',
  );
  expect(record).toMatchObject({ status: 'succeeded', attempts: 2 });
  expect(await listBranches(repo.bareDir)).toContain(record.branch);
}

describe('drover run beside workers on the same store', () => {
  it('embedded store: 10 runs beside drover serve’s idle workers each run their own job live', async () => {
    const server = await startServe({ args: ['--concurrency', '2'], env: env({ DROVER_LEASE: '2s' }) });
    try {
      const store = ['--data-dir', server.dataDir];
      // The server's workers are alive: a submitted job is run by them.
      const submitted = await runDrover(
        [
          'submit',
          '--repo',
          repo.bareDir,
          ...store,
          '--prompt',
          'by the server',
          '--agent-cmd',
          'echo s > s.txt',
        ],
        { env: env() },
      );
      const sid = submitted.stdout.trim();
      await waitFor(
        async () =>
          JSON.parse((await runDrover(['status', sid, '--json', ...store])).stdout).status === 'succeeded',
        60_000,
        'the server to run a submitted job',
      );
      await tenRuns(store);
      await runDiesAndWorkerFinishes(store, 'sq', 2001);
    } finally {
      await server.stop();
    }
  });

  it('Redis: 10 runs beside an idle drover worker each run their own job live', async () => {
    const store = ['--redis', redis.url];
    const worker = spawnDrover(['worker', '--concurrency', '2', ...store], {
      // A worker that takes over a dead run's job judges its local repo like any remote submitter's.
      env: env({ DROVER_LEASE: '2s', DROVER_REDIS_CLAIM_IDLE: '1s', DROVER_ALLOW_LOCAL_REPOS: tmpdir() }),
      timeoutMs: 300_000,
    });
    try {
      await tenRuns(store);
      await runDiesAndWorkerFinishes(store, 'rd', 2002);
    } finally {
      worker.child.kill('SIGTERM');
      expect((await worker.done).code).toBe(0);
    }
  });
});

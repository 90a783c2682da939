import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DroverResult, spawnDrover } from '../support/drover.js';
import { type BareRepo, commitLog, readFileAtRef } from '../support/gitRepos.js';
import type { RedisServer } from '../support/redisServer.js';
import { type RedisWorkersBed, startRedisWorkersBed } from '../support/redisWorkersBed.js';

// Chaos, CI-sized: 40 jobs on Redis, 3 worker processes, 5 kill -9s of workers that are running jobs,
// a Redis restart (with producers submitting through it) in the middle. Every job must end exactly once,
// succeeded, with its whole output and no duplicate seq, and no workspace may be left once a runner
// has swept. Every wait is a bounded poll; nothing is timed.

let bed: RedisWorkersBed;
let server: RedisServer;
let raw: Redis;
let repo: BareRepo;
let tmp: string;

beforeAll(async () => {
  bed = await startRedisWorkersBed('drover-chaos-');
  ({ server, raw, repo, tmp } = bed);
});

afterAll(async () => {
  await bed?.close();
});

const workDir = () => join(tmp, 'work');

function env(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DROVER_REDIS_URL: server.url,
    DROVER_REDIS_PREFIX: prefix,
    DROVER_LEASE: '3s',
    DROVER_REDIS_CLAIM_IDLE: '4s',
    DROVER_KILL_GRACE: '1s',
    DROVER_MAX_ATTEMPTS: '10',
    DROVER_DATA_DIR: join(tmp, 'data'),
    DROVER_WORK_DIR: workDir(),
    DROVER_ALLOW_LOCAL_REPOS: dirname(repo.bareDir),
    ...extra,
  };
}

function startWorker(prefix: string, id: string, extra: Record<string, string> = {}) {
  const worker = spawnDrover(['worker', '--concurrency', '2', '--drain-timeout', '30s'], {
    env: env(prefix, { DROVER_RUNNER_ID: id, ...extra }),
    timeoutMs: 170_000,
  });
  bed.track(worker);
  return { id, ...worker };
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'needs_human'];
const LINES = 15;
const agentCmd = `for i in $(seq 1 ${LINES}); do echo "line $i"; sleep 0.04; done; echo "$DROVER_JOB_ID" > out.txt`;
const spec = (branch: string) =>
  JSON.stringify({ repo: repo.bareDir, prompt: 'chaos', agent: 'command', agentCmd, branch });

const output = (prefix: string, id: string) => bed.output(prefix, id);

const workspaces = async () =>
  (await readdir(workDir()).catch(() => [] as string[])).filter((n) => !n.startsWith('.spares'));

describe('chaos', () => {
  it('40 jobs survive 5 kill -9s and a Redis restart: each ends once, complete; no workspace is left', async () => {
    const p = 'chaos:';
    const ids: string[] = [];
    for (let i = 0; i < 35; i++) {
      const id = `chaos${i}-${randomBytes(3).toString('hex')}`;
      ids.push(id);
      await raw.xadd(`${p}jobs:stream`, '*', 'id', id, 'payload', spec(`chaos/${id}`));
    }
    let serial = 0;
    const workers = [0, 1, 2].map(() => startWorker(p, `chaos-w${serial++}`));
    const status = async () =>
      Promise.all(ids.map(async (id) => (await raw.hget(`${p}job:${id}`, 'status')) ?? ''));
    const finished = async () => (await status()).filter((s) => TERMINAL.includes(s)).length;

    const submitted: Promise<DroverResult>[] = [];
    for (let kill = 0; kill < 5; kill++) {
      // A worker that is running a job right now, once a few more jobs have finished since the last kill.
      const victim = await waitFor(`a busy worker for kill ${kill + 1}`, async () => {
        if ((await finished()) < kill * 4) return undefined;
        const running = await Promise.all(
          ids.map(async (id) => raw.hmget(`${p}job:${id}`, 'status', 'runnerId', 'phase')),
        );
        const busy = new Set(
          running.filter(([s, , phase]) => s === 'running' && phase === 'agent').map(([, r]) => r),
        );
        return workers.find((w) => busy.has(w.id));
      });
      victim.child.kill('SIGKILL');
      await victim.done;
      if (kill === 2) {
        // Redis goes away for a moment; producers submitting meanwhile wait for it instead of failing.
        await server.stop();
        const told: boolean[] = [];
        for (let i = 0; i < 5; i++) {
          const producer = spawnDrover(
            [
              'submit',
              '--repo',
              repo.bareDir,
              '--prompt',
              'chaos',
              '--agent-cmd',
              agentCmd,
              '--branch',
              `chaos/submit${i}`,
              '--wait',
              '60s',
            ],
            { env: env(p) },
          );
          told.push(false);
          producer.child.stderr!.on('data', (d: string) => {
            if (String(d).includes('retrying')) told[i] = true;
          });
          submitted.push(producer.done);
        }
        await waitFor('every producer to meet the outage', async () => told.every(Boolean), 30_000);
        await new Promise((r) => setTimeout(r, 1000));
        await server.start();
      }
      // The replacement starts once Redis is back (a worker that cannot reach it at start exits).
      workers.splice(workers.indexOf(victim), 1, startWorker(p, `chaos-w${serial++}`));
    }
    const results = await Promise.all(submitted);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      ids.push(r.stdout.trim());
    }
    expect(new Set(ids).size).toBe(40);

    await waitFor('all 40 jobs to end', async () => (await finished()) === 40, 100_000);
    for (const w of workers) w.child.kill('SIGTERM');
    const stopped = await Promise.all(workers.map((w) => w.done));
    for (const r of stopped) expect(r.code, r.stderr).toBe(0);

    // Ended exactly once each: succeeded, in one status set only, never queued twice.
    expect(await status()).toEqual(ids.map(() => 'succeeded'));
    expect((await raw.zrange(`${p}jobs:status:succeeded`, '0', '-1')).sort()).toEqual([...ids].sort());
    for (const s of ['queued', 'running', 'failed']) expect(await raw.zcard(`${p}jobs:status:${s}`)).toBe(0);
    expect(await raw.zcard(`${p}jobs:index`)).toBe(40);
    expect(await raw.xlen(`${p}jobs:stream:dead`)).toBe(0);
    let retried = 0;
    for (const id of ids) {
      const job = await raw.hgetall(`${p}job:${id}`);
      if (Number(job.attempts) > 1) retried++;
      const out = await output(p, id);
      // No duplicate and no gap in seqs, across every attempt.
      expect(out.map((e) => Number(e.seq))).toEqual(out.map((_, n) => n + 1));
      expect(out.at(-1)?.type).toBe('end');
      // The attempt that finished printed every line, in order.
      const lastStart = out.findLastIndex((e) => /^Job \S+ \(attempt \d+\)/.test(e.line ?? ''));
      const lines = out
        .slice(lastStart)
        .filter((e) => e.stream === 'stdout')
        .map((e) => e.line);
      expect(lines).toEqual(Array.from({ length: LINES }, (_, i) => `line ${i + 1}`));
      const branch = job.branch!;
      expect(await readFileAtRef(repo.bareDir, branch, 'out.txt')).toBe(`${id}\n`);
      expect(await commitLog(repo.bareDir, branch)).toHaveLength(2);
    }
    expect(retried).toBeGreaterThanOrEqual(1);

    // The killed workers left their workspaces; a runner that starts sweeps every one of them.
    const sweeper = startWorker(p, `chaos-w${serial++}`);
    await waitFor('the sweeper to start', async () => (await raw.exists(`${p}runner:${sweeper.id}`)) === 1);
    await waitFor(
      'the sweep to remove every workspace',
      async () => (await workspaces()).length === 0,
      30_000,
    );
    sweeper.child.kill('SIGTERM');
    expect((await sweeper.done).code).toBe(0);
  }, 115_000);
});

describe('Redis producers at the runner’s edge', () => {
  it('refuses local repos from remote producers and never shows a refused URL’s secret', async () => {
    const p = 'edge:';
    const secret = 'ghp_RedisProducerSecret0123456789';
    const strict = { DROVER_ALLOW_LOCAL_REPOS: '' };
    const job = (id: string, repoUrl: string) =>
      raw.xadd(
        `${p}jobs:stream`,
        '*',
        'id',
        id,
        'payload',
        JSON.stringify({ repo: repoUrl, prompt: 'p', agent: 'command', agentCmd: 'echo x > x.txt' }),
      );
    // A direct producer naming a local path; another naming the data dir's repo cache.
    await job('edge-local', repo.bareDir);
    await job('edge-data', join(tmp, 'data', 'cache', 'some-mirror.git'));
    // Credentials, in the entry and (web-app style) in the hash.
    await job('edge-cred', `HTTPS://x-access-token:${secret}@github.com/o/r.git`);
    await raw.hset(`${p}job:edge-hash`, {
      payload: JSON.stringify({ repo: `hTTp://u:${secret}@h/r.git`, prompt: 'p' }),
      status: 'queued',
    });
    await raw.xadd(`${p}jobs:stream`, '*', 'id', 'edge-hash');
    // `drover submit` on Redis: from the command line, but perhaps another machine's.
    const submit = spawnDrover(['submit', '--repo', repo.bareDir, '--prompt', 'p', '--agent-cmd', 'true'], {
      env: env(p, strict),
    });
    const submitted = (await submit.done).stdout.trim();
    const worker = startWorker(p, 'edge-worker', strict);
    const ids = ['edge-local', 'edge-data', 'edge-cred', 'edge-hash', submitted];
    await waitFor('the refusals', async () => {
      const s = await Promise.all(ids.map((id) => raw.hget(`${p}job:${id}`, 'status')));
      return s.every((x) => x === 'failed');
    });
    for (const id of ids) {
      expect(await raw.hget(`${p}job:${id}`, 'errorKind'), id).toBe('invalid_input');
    }
    expect(await raw.hget(`${p}job:edge-local`, 'errorMessage')).toMatch(
      /repo: local paths and file:\/\/ URLs are accepted only/,
    );
    expect(await raw.hget(`${p}job:${submitted}`, 'errorMessage')).toMatch(/DROVER_ALLOW_LOCAL_REPOS/);
    expect(await raw.hget(`${p}job:edge-data`, 'errorMessage')).toMatch(/data or work directory/);
    expect(await raw.hget(`${p}job:edge-cred`, 'errorMessage')).toMatch(/repo: must not embed credentials/);

    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    // `drover run` runs its own job (no worker around to take it first): its local path is this machine's.
    const run = spawnDrover(
      [
        'run',
        '--repo',
        repo.bareDir,
        '--prompt',
        'p',
        '--agent-cmd',
        'echo r > r.txt',
        '--branch',
        'edge/run',
        '--json',
      ],
      { env: env(p, strict) },
    );
    const ran = await run.done;
    expect(JSON.parse(ran.stdout), ran.stdout).toMatchObject({ status: 'succeeded' });

    const list = spawnDrover(['list', '--json', '--limit', '100'], { env: env(p) });
    const listed = await list.done;
    expect(JSON.parse(listed.stdout).jobs.length).toBe(6);
    const dead = JSON.stringify(await raw.xrange(`${p}jobs:stream:dead`, '-', '+'));
    for (const text of [listed.stdout, listed.stderr, dead, stopped.stderr, ran.stderr]) {
      expect(text).not.toContain(secret);
    }
    // The web-app style job keeps its payload in the hash: shown, with the credentials hidden.
    expect(listed.stdout).toContain('hTTp://***@h/r.git');
  }, 60_000);
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DroverResult, runDrover, spawnDrover } from '../support/drover.js';
import { startGitHttpServer } from '../support/gitHttpServer.js';
import {
  type BareRepo,
  commitLog,
  createBareRepo,
  listBranches,
  readFileAtRef,
} from '../support/gitRepos.js';
import type { RedisServer } from '../support/redisServer.js';
import { type RedisWorkersBed, startRedisWorkersBed } from '../support/redisWorkersBed.js';

// Many workers (separate processes) against one real redis-server on a loopback port. Short leases and
// claim idle times keep takeovers quick; every wait is a bounded poll.

const execFileP = promisify(execFile);
let bed: RedisWorkersBed;
let server: RedisServer;
let raw: Redis;
let repo: BareRepo;
let tmp: string;

beforeAll(async () => {
  bed = await startRedisWorkersBed('drover-redis-e2e-');
  ({ server, raw, repo, tmp } = bed);
});

afterAll(async () => {
  await bed?.close();
});

function env(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DROVER_REDIS_URL: server.url,
    DROVER_REDIS_PREFIX: prefix,
    DROVER_LEASE: '3s',
    DROVER_REDIS_CLAIM_IDLE: '5s',
    DROVER_KILL_GRACE: '1s',
    DROVER_DATA_DIR: join(tmp, 'data'),
    DROVER_WORK_DIR: join(tmp, 'work'),
    // Producers name the fixture's bare repo: a local path, allowed for remote submitters only here.
    DROVER_ALLOW_LOCAL_REPOS: dirname(repo.bareDir),
    ...extra,
  };
}

function startWorker(prefix: string, args: string[] = [], extra: Record<string, string> = {}) {
  const worker = spawnDrover(['worker', ...args], { env: env(prefix, extra), timeoutMs: 170_000 });
  bed.track(worker);
  return worker;
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const jobId = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}`;
const payload = (extra: Record<string, unknown>) =>
  JSON.stringify({ repo: repo.bareDir, prompt: 'work', agent: 'command', ...extra });
const hash = (prefix: string, id: string) => raw.hgetall(`${prefix}job:${id}`);

const output = (prefix: string, id: string) => bed.output(prefix, id);

async function statuses(prefix: string, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await raw.hget(`${prefix}job:${id}`, 'status')) ?? 'none'));
}

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'needs_human'];

async function stopWorker(worker: ReturnType<typeof startWorker>): Promise<DroverResult> {
  worker.child.kill('SIGTERM');
  return worker.done;
}

describe('Redis backend, many workers', () => {
  it('3 workers run 60 jobs from both producer styles, each exactly once', async () => {
    const p = 'many:';
    const ids = Array.from({ length: 60 }, (_, i) => jobId(`many${i}`));
    for (const [i, id] of ids.entries()) {
      const spec = payload({ agentCmd: 'sleep 0.1; echo "$DROVER_JOB_ID" > job.txt', branch: `many/${i}` });
      if (i % 4 === 0) {
        // Web-app style: the hash first, then an entry with only the id.
        await raw.hset(`${p}job:${id}`, { payload: spec, status: 'queued' });
        await raw.xadd(`${p}jobs:stream`, '*', 'id', id);
      } else {
        await raw.xadd(`${p}jobs:stream`, '*', 'id', id, 'payload', spec);
      }
    }
    const workers = [0, 1, 2].map(() => startWorker(p, ['--concurrency', '2']));
    await waitFor(
      'all 60 jobs to end',
      async () => (await statuses(p, ids)).every((s) => TERMINAL.includes(s)),
      150_000,
    );
    const results = await Promise.all(workers.map(stopWorker));
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const records = await Promise.all(ids.map((id) => hash(p, id)));
    expect(records.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));
    expect(records.map((r) => r.attempts)).toEqual(ids.map(() => '1'));
    expect(new Set(records.map((r) => r.runnerId)).size).toBeGreaterThanOrEqual(2);
    const branches = await listBranches(repo.bareDir);
    for (const [i, id] of ids.entries()) {
      expect(branches).toContain(`many/${i}`);
      expect(await readFileAtRef(repo.bareDir, `many/${i}`, 'job.txt')).toBe(`${id}\n`);
      expect(await commitLog(repo.bareDir, `many/${i}`)).toHaveLength(2);
      const out = await output(p, id);
      expect(out.filter((e) => e.type === 'end')).toHaveLength(1);
      expect(out.at(-1)?.type).toBe('end');
      expect(out.filter((e) => e.type === 'status' && e.line.startsWith('Job succeeded'))).toHaveLength(1);
      expect(out.map((e) => Number(e.seq))).toEqual(out.map((_, n) => n + 1));
    }
    expect(await raw.xlen(`${p}jobs:stream`)).toBe(0);
    expect((await raw.xpending(`${p}jobs:stream`, 'jobs:stream:runners'))[0]).toBe(0);
    const list = await runDrover(['list', '--json', '--limit', '100'], { env: env(p) });
    expect(JSON.parse(list.stdout).jobs).toHaveLength(60);
  }, 170_000);

  it('a job of a worker killed with -9 is reclaimed and finished elsewhere; a drained job is retried', async () => {
    const p = 'kill:';
    const slow = jobId('slow');
    await raw.xadd(
      `${p}jobs:stream`,
      '*',
      'id',
      slow,
      'payload',
      payload({ agentCmd: 'sleep 4; echo s > s.txt', branch: 'kill/slow' }),
    );
    const a = startWorker(p, [], { DROVER_RUNNER_ID: 'worker-a' });
    await waitFor('worker-a to run the slow job', async () => (await hash(p, slow)).runnerId === 'worker-a');
    const b = startWorker(p, ['--drain-timeout', '0s'], { DROVER_RUNNER_ID: 'worker-b' });
    const quick = [jobId('quick'), jobId('quick')];
    for (const [i, id] of quick.entries()) {
      await raw.xadd(
        `${p}jobs:stream`,
        '*',
        'id',
        id,
        'payload',
        payload({ agentCmd: 'echo q > q.txt', branch: `kill/q${i}` }),
      );
    }
    // Output is written in batches (≤ 50 ms): wait until attempt 1's first line is stored, since a
    // SIGKILL can only lose what was not yet flushed.
    await waitFor('attempt 1 output to be stored', async () =>
      (await output(p, slow)).some((e) => /\(attempt 1\)/.test(e.line)),
    );
    a.child.kill('SIGKILL');
    await a.done;
    await waitFor('all jobs to end', async () =>
      (await statuses(p, [slow, ...quick])).every((s) => TERMINAL.includes(s)),
    );

    const record = await hash(p, slow);
    expect(record).toMatchObject({ status: 'succeeded', attempts: '2', runnerId: 'worker-b' });
    for (const id of quick) expect(await hash(p, id)).toMatchObject({ status: 'succeeded', attempts: '1' });
    const out = await output(p, slow);
    expect(
      out.filter((e) => e.line.match(/^Job \S+ \(attempt \d\)/)).map((e) => e.line.match(/attempt \d/)![0]),
    ).toEqual(['attempt 1', 'attempt 2']);
    expect(out.filter((e) => e.type === 'status' && e.line.startsWith('Job succeeded'))).toHaveLength(1);
    expect(out.at(-1)?.type).toBe('end');
    expect(await commitLog(repo.bareDir, 'kill/slow')).toHaveLength(2);

    // Graceful shutdown with no drain time: the job goes back to the queue (not failed) and runs again.
    const drained = jobId('drain');
    await raw.xadd(
      `${p}jobs:stream`,
      '*',
      'id',
      drained,
      'payload',
      payload({ agentCmd: 'sleep 1.5; echo d > d.txt', branch: 'kill/d' }),
    );
    await waitFor(
      'worker-b to run the drained job',
      async () => (await hash(p, drained)).status === 'running',
    );
    b.child.kill('SIGTERM');
    const bResult = await b.done;
    expect(bResult.code).toBe(1); // it interrupted a job
    expect(await hash(p, drained)).toMatchObject({ status: 'queued' });
    const c = startWorker(p, ['--drain-timeout', '30s'], { DROVER_RUNNER_ID: 'worker-c' });
    await waitFor('the drained job to end', async () =>
      TERMINAL.includes((await hash(p, drained)).status ?? ''),
    );
    expect(await hash(p, drained)).toMatchObject({
      status: 'succeeded',
      attempts: '2',
      runnerId: 'worker-c',
    });
    expect((await stopWorker(c)).code).toBe(0);
  }, 120_000);

  it('workers ride out a Redis restart: every job ends, every output stream is complete', async () => {
    const p = 'restart:';
    const ids = Array.from({ length: 8 }, () => jobId('rs'));
    for (const [i, id] of ids.entries()) {
      await raw.xadd(
        `${p}jobs:stream`,
        '*',
        'id',
        id,
        'payload',
        payload({
          agentCmd: 'for n in 1 2 3 4 5; do echo line $n; sleep 0.2; done; echo r > r.txt',
          branch: `restart/${i}`,
        }),
      );
    }
    const workers = [startWorker(p, ['--concurrency', '2']), startWorker(p, ['--concurrency', '2'])];
    await waitFor(
      'jobs to be running',
      async () => (await statuses(p, ids)).filter((s) => s === 'running').length >= 2,
    );
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await server.start();
    await waitFor(
      'all jobs to end',
      async () => (await statuses(p, ids)).every((s) => TERMINAL.includes(s)),
      90_000,
    );
    const results = await Promise.all(workers.map(stopWorker));
    expect(results.map((r) => r.stderr).join('')).toMatch(/Redis connection (lost|closed)/);
    expect(await statuses(p, ids)).toEqual(ids.map(() => 'succeeded'));
    for (const id of ids) {
      const out = await output(p, id);
      expect(out.at(-1)?.type).toBe('end');
      expect(out.filter((e) => e.line.startsWith('line ')).length).toBeGreaterThanOrEqual(5);
    }
    expect(await raw.xlen(`${p}jobs:stream`)).toBe(0);
  }, 150_000);

  it('rejects poison entries, runs a redis-cli producer’s job, cancels across processes, lists workers', async () => {
    const p = 'misc:';
    const cli = (...args: string[]) => execFileP('redis-cli', ['-p', String(server.port), ...args]);
    await cli('XADD', `${p}jobs:stream`, '*', 'payload', '{}');
    await cli(
      'XADD',
      `${p}jobs:stream`,
      '*',
      'id',
      'poison-1',
      'payload',
      '{"repo":"ext::sh","agent":"claude"}',
    );
    const spec = payload({ agentCmd: 'echo web > web.txt', branch: 'misc/web' });
    await cli('HSET', `${p}job:webapp-1`, 'payload', spec, 'status', 'queued');
    await cli('XADD', `${p}jobs:stream`, '*', 'id', 'webapp-1');
    const worker = startWorker(p, ['--concurrency', '2'], { DROVER_RUNNER_ID: 'misc-worker' });

    await waitFor('the web app job to end', async () =>
      TERMINAL.includes((await hash(p, 'webapp-1')).status ?? ''),
    );
    expect(await hash(p, 'webapp-1')).toMatchObject({ status: 'succeeded', attempts: '1' });
    expect(await readFileAtRef(repo.bareDir, 'misc/web', 'web.txt')).toBe('web\n');
    const poison = await runDrover(['status', 'poison-1', '--json'], { env: env(p) });
    const poisoned = JSON.parse(poison.stdout);
    expect(poisoned).toMatchObject({ status: 'failed', errorKind: 'invalid_input' });
    expect(poisoned.errorMessage).toMatch(/repo: the "ext::" transport is not allowed; prompt/);
    const dead = await raw.xrange(`${p}jobs:stream:dead`, '-', '+');
    expect(dead.map(([, f]) => f[f.indexOf('reason') + 1])).toEqual([
      expect.stringMatching(/^id: missing/),
      poisoned.errorMessage,
    ]);
    const logs = await runDrover(['logs', 'webapp-1'], { env: env(p) });
    expect(logs.stdout).toMatch(/Job succeeded/);

    // Cancel across processes: a queued job at once, a running one through its worker's heartbeat.
    const submitted = await runDrover(
      ['submit', '--repo', repo.bareDir, '--prompt', 'wait', '--agent-cmd', 'sleep 60'],
      { env: env(p) },
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const running = submitted.stdout.trim();
    await waitFor('the long job to run', async () => (await hash(p, running)).status === 'running');
    const workers = JSON.parse((await runDrover(['workers', '--json'], { env: env(p) })).stdout);
    expect(workers).toEqual([
      expect.objectContaining({ id: 'misc-worker', jobs: [running], concurrency: 2 }),
    ]);
    const cancel = await runDrover(['cancel', running], { env: env(p) });
    expect(cancel.stdout).toMatch(/Cancel requested/);
    await waitFor('the cancel to land', async () => (await hash(p, running)).status === 'cancelled', 30_000);
    expect(await hash(p, running)).toMatchObject({ errorKind: 'cancelled' });
    expect((await stopWorker(worker)).code).toBe(0);
    // The flags instead of the environment.
    const after = await runDrover(['workers', '--json', '--redis', server.url, '--redis-prefix', p]);
    expect(JSON.parse(after.stdout)).toEqual([]);

    const queued = (
      await runDrover(['submit', '--repo', repo.bareDir, '--prompt', 'x', '--agent-cmd', 'true'], {
        env: env(p),
      })
    ).stdout.trim();
    expect((await runDrover(['cancel', queued], { env: env(p) })).stdout).toMatch(/cancelled/);
    const list = JSON.parse(
      (await runDrover(['list', '--status', 'cancelled', '--json'], { env: env(p) })).stdout,
    );
    expect(list.jobs.map((j: { id: string }) => j.id).sort()).toEqual([running, queued].sort());
  }, 120_000);

  it('per-user git tokens: stored encrypted from stdin, used for the push, refused with the wrong key', async () => {
    const p = 'tok:';
    const token = 'tok-alice-3f9a1c77e2';
    const httpRepo = await createBareRepo({ name: 'secure' });
    const http = await startGitHttpServer({ projectRoot: httpRepo.dir, token });
    try {
      const key = randomBytes(32).toString('base64');
      const set = (input: string, user: string, extra: Record<string, string> = { DROVER_SECRET_KEY: key }) =>
        runDrover(['secrets', 'set-git-token', '--user', user], { env: env(p, extra), input });
      const noKey = await set(`${token}\n`, 'alice', {});
      expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringMatching(/DROVER_SECRET_KEY: is not set/)]);
      const empty = await set('', 'alice');
      expect([empty.code, empty.stderr]).toEqual([2, expect.stringMatching(/token: stdin was empty/)]);
      const badUser = await set(token, 'al ice');
      expect([badUser.code, badUser.stderr]).toEqual([2, expect.stringMatching(/--user: must be/)]);
      const ok = await set(`${token}\n`, 'alice');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout + ok.stderr).not.toContain(token);
      const sealed = (await raw.get(`${p}user:alice:git_token`))!;
      expect(sealed).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
      expect(sealed).not.toContain(token);

      const specFile = join(tmp, 'user-spec.json');
      const run = async (userId: string, secretKey: string, branch: string) => {
        await writeFile(
          specFile,
          JSON.stringify({
            repo: `${http.url}/secure.git`,
            prompt: 'p',
            agentCmd: 'echo u > u.txt',
            userId,
            branch,
          }),
        );
        const result = await runDrover(['run', '--spec', specFile, '--json'], {
          env: env(p, { DROVER_SECRET_KEY: secretKey }),
        });
        expect(result.stdout + result.stderr).not.toContain(token);
        return { code: result.code, job: JSON.parse(result.stdout) };
      };
      const alice = await run('alice', key, 'tok/alice');
      expect(alice).toMatchObject({ code: 0, job: { status: 'succeeded' } });
      expect(await readFileAtRef(httpRepo.bareDir, 'tok/alice', 'u.txt')).toBe('u\n');
      const bob = await run('bob', key, 'tok/bob');
      expect(bob).toMatchObject({ code: 1, job: { status: 'failed', errorKind: 'credentials' } });
      expect(bob.job.errorMessage).toMatch(/No git token is stored for user bob/);
      const wrong = await run('alice', randomBytes(32).toString('base64'), 'tok/wrong');
      expect(wrong).toMatchObject({ code: 1, job: { status: 'failed', errorKind: 'credentials' } });
      expect(wrong.job.errorMessage).toMatch(/DROVER_SECRET_KEY is not the key/);
      const outputs = (await Promise.all([alice, bob, wrong].map((r) => output(p, r.job.id)))).flat();
      expect(JSON.stringify(outputs)).not.toContain(token);
    } finally {
      await http.close();
      await httpRepo.cleanup();
    }
  }, 90_000);
});

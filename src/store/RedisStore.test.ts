import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/support/redisServer.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { RedisStore, type RedisStoreOptions } from './RedisStore.js';

const logger = pino({ level: 'silent' });
const spec = (extra: Record<string, unknown> = {}) =>
  parseJobSpec({
    repo: 'https://example.com/r.git',
    prompt: 'do it',
    agent: 'command',
    agentCmd: 'true',
    ...extra,
  });

let server: RedisServer;
let raw: Redis;
const stores: RedisStore[] = [];
let prefixes = 0;

async function open(opts: Partial<RedisStoreOptions> & { prefix: string }): Promise<RedisStore> {
  const store = await RedisStore.connect({ url: server.url, logger, claimIdleMs: 300, ...opts });
  stores.push(store);
  return store;
}
const freshPrefix = () => `t${++prefixes}:`;

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});

afterAll(async () => {
  for (const s of stores) await s.close();
  raw.disconnect();
  await server.cleanup();
});

describe('RedisStore', () => {
  it('enqueues into the contract keys and runs a job to exactly one terminal status', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p });
    const job = await store.enqueue(spec());
    expect(job).toMatchObject({
      status: 'queued',
      attempts: 0,
      agent: 'command',
      branch: `drover/${job.id.slice(0, 8)}`,
    });
    const hash = await raw.hgetall(`${p}job:${job.id}`);
    expect(hash).toMatchObject({ status: 'queued', attempts: '0', repo: 'https://example.com/r.git' });
    expect(JSON.parse(hash.payload!)).toMatchObject({ prompt: 'do it' });
    const entries = await raw.xrange(`${p}jobs:stream`, '-', '+');
    expect(entries).toHaveLength(1);
    expect(entries[0]![1]).toEqual(['id', job.id, 'payload', hash.payload]);

    const lease = (await store.claim('r1', { leaseMs: 5000, waitMs: 0 }))!;
    expect(lease.job).toMatchObject({ id: job.id, status: 'running', attempts: 1, runnerId: 'r1' });
    expect(await raw.zrange(`${p}jobs:status:running`, '0', '-1')).toEqual([job.id]);
    expect(await lease.heartbeat()).toEqual({ lost: false, cancelRequested: false });
    await store.update(job.id, { phase: 'agent', costUsd: 0.5 });
    expect((await store.get(job.id))!.phase).toBe('agent');

    expect(
      await lease.finish({
        status: 'succeeded',
        commit: 'abc',
        exitCode: 0,
        verdict: 'PASS',
        findings: 'ok',
      }),
    ).toBe(true);
    expect(await lease.finish({ status: 'failed', errorKind: 'internal' })).toBe(true); // a retry of ours
    const done = (await store.get(job.id))!;
    expect(done).toMatchObject({
      status: 'succeeded',
      commit: 'abc',
      exitCode: 0,
      costUsd: 0.5,
      phase: null,
      verdict: 'PASS',
      findings: 'ok',
    });
    expect(await raw.hmget(`${p}job:${job.id}`, 'verdict', 'findings')).toEqual(['PASS', 'ok']);
    expect(done.finishedAt).not.toBeNull();
    expect(await raw.xlen(`${p}jobs:stream`)).toBe(0);
    expect(await raw.xpending(`${p}jobs:stream`, 'jobs:stream:runners')).toEqual([0, null, null, null]);
    expect(await store.countByStatus()).toMatchObject({ succeeded: 1, running: 0, queued: 0 });

    // The same job delivered again (a producer retried its XADD): acked without running.
    await raw.xadd(`${p}jobs:stream`, '*', 'id', job.id);
    expect(await store.claim('r2', { leaseMs: 5000, waitMs: 200 })).toBeUndefined();
    expect(await raw.xlen(`${p}jobs:stream`)).toBe(0);
    expect((await store.get(job.id))!.attempts).toBe(1);
  });

  it('records the job source in the hash, and lays repo defaults under producers’ payloads', async () => {
    const p = freshPrefix();
    const store = await open({
      prefix: p,
      resolveSpec: specResolver([{ match: 'example.com/**', maxTurns: 7, agent: 'codex' }]),
    });
    const job = await store.enqueue(spec(), { source: { intake: 'api' } });
    expect(JSON.parse((await raw.hget(`${p}job:${job.id}`, 'source'))!)).toEqual({ intake: 'api' });
    expect((await store.get(job.id))!.source).toEqual({ intake: 'api' });
    const lease = (await store.claim('r1', { leaseMs: 5000, waitMs: 0 }))!;
    await lease.finish({ status: 'succeeded' });
    // A producer writing the stream directly: its payload gets the defaults; what it gives wins.
    await raw.xadd(
      `${p}jobs:stream`,
      '*',
      'id',
      'prod-0001',
      'payload',
      JSON.stringify({ repo: 'https://example.com/r.git', prompt: 'x', agent: 'command', agentCmd: 'true' }),
    );
    const produced = (await store.claim('r1', { leaseMs: 5000, waitMs: 1000 }))!;
    expect(produced.job.spec).toMatchObject({ agent: 'command', maxTurns: 7 });
    expect(produced.job.source).toBeNull();
    await produced.finish({ status: 'succeeded' });
  });

  it('lists newest first with cursors and status/repo filters', async () => {
    const store = await open({ prefix: freshPrefix() });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await store.enqueue(spec({ repo: i % 2 ? 'https://a.example/x.git' : 'https://b.example/y.git' })))
          .id,
      );
    }
    const first = await store.list({ limit: 2 });
    expect(first.jobs.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    const second = await store.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const third = await store.list({ limit: 2, cursor: second.nextCursor! });
    expect(third).toEqual({ jobs: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    const byRepo = await store.list({ repo: 'https://a.example/x.git' });
    expect(byRepo.jobs.map((j) => j.id)).toEqual([ids[3], ids[1]]);
    await store.requestCancel(ids[0]!);
    expect((await store.list({ status: 'cancelled' })).jobs.map((j) => j.id)).toEqual([ids[0]]);
    expect((await store.list({ status: 'queued' })).jobs).toHaveLength(4);
    await expect(store.list({ cursor: '!!' })).rejects.toThrow(/cursor/);
  });

  it('cancels a queued job at once and flags a running one for its heartbeat', async () => {
    const store = await open({ prefix: freshPrefix() });
    const queued = await store.enqueue(spec());
    const running = await store.enqueue(spec());
    expect(await store.requestCancel(queued.id)).toMatchObject({
      status: 'cancelled',
      errorKind: 'cancelled',
    });
    const lease = (await store.claim('r1', { leaseMs: 5000, waitMs: 500 }))!;
    expect(lease.job.id).toBe(running.id); // the cancelled entry was skipped and acked
    expect(await store.requestCancel(running.id)).toMatchObject({ status: 'running', cancelRequested: true });
    expect(await lease.heartbeat()).toEqual({ lost: false, cancelRequested: true });
    expect(await store.requestCancel('nosuchjob')).toBeUndefined();
  });

  it('release puts the job back for another runner without counting it as failed', async () => {
    const store = await open({ prefix: freshPrefix() });
    const job = await store.enqueue(spec());
    const a = (await store.claim('a', { leaseMs: 5000, waitMs: 0 }))!;
    await a.release('draining');
    expect(await store.get(job.id)).toMatchObject({
      status: 'queued',
      runnerId: null,
      errorMessage: 'draining',
    });
    const b = (await store.claim('b', { leaseMs: 5000, waitMs: 500 }))!;
    expect(b.job).toMatchObject({ id: job.id, attempts: 2, runnerId: 'b', errorMessage: null });
    expect(await a.finish({ status: 'succeeded' })).toBe(false);
    expect(await b.finish({ status: 'succeeded' })).toBe(true);
  });

  it('a dead worker’s job is taken over after the idle time; the old lease is lost', async () => {
    // Each worker is its own process: its own store (a process never takes over its own running jobs).
    const p = freshPrefix();
    const store = await open({ prefix: p });
    const dying = await open({ prefix: p });
    const job = await store.enqueue(spec());
    const a = (await dying.claim('a', { leaseMs: 300, waitMs: 0 }))!;
    // A live runner (heartbeating) keeps its job.
    for (let i = 0; i < 4; i++) {
      expect(await a.heartbeat()).toEqual({ lost: false, cancelRequested: false });
      expect(await store.claim('b', { leaseMs: 300, waitMs: 200 })).toBeUndefined();
    }
    // a stops heartbeating (dies): b takes over once the entry is idle and the lease lapsed.
    let b: Awaited<ReturnType<RedisStore['claim']>>;
    for (let i = 0; i < 50 && !b; i++) b = await store.claim('b', { leaseMs: 5000, waitMs: 100 });
    expect(b!.job).toMatchObject({ id: job.id, attempts: 2, runnerId: 'b' });
    // Output is fenced by the lease: the old attempt's late lines (it has not noticed yet) are dropped,
    // so they never interleave with the new attempt's.
    const line = (seq: number, text: string) => ({ seq, ts: 't', stream: 'stdout' as const, line: text });
    await store.appendOutput(job.id, [line(1, 'attempt 2 starts')]);
    await dying.appendOutput(job.id, [line(2, 'attempt 1, late')]);
    await store.appendOutput(job.id, [line(2, 'attempt 2 goes on')]);
    expect((await store.readOutput(job.id, 0, 10)).map((e) => e.line)).toEqual([
      'attempt 2 starts',
      'attempt 2 goes on',
    ]);
    expect(await a.heartbeat()).toMatchObject({ lost: true });
    await dying.appendOutput(job.id, [line(3, 'attempt 1, after noticing')]);
    expect(await store.lastSeq(job.id)).toBe(2);
    expect(await a.finish({ status: 'failed', errorKind: 'internal' })).toBe(false);
    expect(await b!.finish({ status: 'succeeded' })).toBe(true);
    expect((await store.get(job.id))!.status).toBe('succeeded');
  });

  it('a worker restarted under the same runner id first takes back its own pending entries', async () => {
    const p = freshPrefix();
    const before = await RedisStore.connect({ url: server.url, logger, prefix: p, claimIdleMs: 60_000 });
    const job = await before.enqueue(spec());
    expect((await before.claim('stable', { leaseMs: 100, waitMs: 0 }))!.job.id).toBe(job.id);
    await before.close(); // dies without finishing
    const after = await open({ prefix: p, claimIdleMs: 60_000 });
    await new Promise((r) => setTimeout(r, 150)); // its lease lapses; the idle time (60 s) does not
    expect(await after.claim('other', { leaseMs: 5000, waitMs: 0 })).toBeUndefined();
    const lease = (await after.claim('stable', { leaseMs: 5000, waitMs: 0 }))!;
    expect(lease.job).toMatchObject({ id: job.id, attempts: 2, runnerId: 'stable' });
    expect(await lease.finish({ status: 'succeeded' })).toBe(true);
  });

  it('abandons a job delivered more than maxAttempts times and dead-letters the entry', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p, maxAttempts: 2 });
    const [a, b] = [await open({ prefix: p, maxAttempts: 2 }), await open({ prefix: p, maxAttempts: 2 })];
    const job = await store.enqueue(spec());
    expect(await a.claim('a', { leaseMs: 100, waitMs: 0 })).toBeDefined();
    let second: Awaited<ReturnType<RedisStore['claim']>>;
    for (let i = 0; i < 50 && !second; i++) second = await b.claim('b', { leaseMs: 100, waitMs: 100 });
    expect(second!.job.attempts).toBe(2);
    for (let i = 0; i < 50 && (await store.get(job.id))!.status === 'running'; i++) {
      expect(await store.claim('c', { leaseMs: 100, waitMs: 100 })).toBeUndefined();
    }
    const failed = (await store.get(job.id))!;
    expect(failed).toMatchObject({ status: 'failed', errorKind: 'abandoned' });
    expect(failed.errorMessage).toMatch(/delivered 3 times/);
    const dead = await raw.xrange(`${p}jobs:stream:dead`, '-', '+');
    expect(dead).toHaveLength(1);
    expect(dead[0]![1]).toEqual(expect.arrayContaining(['id', job.id, 'reason', failed.errorMessage]));
    const output = await store.readOutput(job.id, 0, 10);
    expect(output.at(-1)).toMatchObject({ type: 'end', stream: 'system' });
  });

  it('rejects poison entries with a reason and keeps going', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p });
    await raw.xadd(`${p}jobs:stream`, '*', 'payload', '{}');
    await raw.xadd(`${p}jobs:stream`, '*', 'id', '../../etc', 'payload', '{}');
    await raw.xadd(
      `${p}jobs:stream`,
      '*',
      'id',
      'poison1',
      'payload',
      JSON.stringify({ repo: 'https://e.com/r.git' }),
    );
    await raw.xadd(`${p}jobs:stream`, '*', 'id', 'poison2', 'payload', '{not json');
    await raw.xadd(`${p}jobs:stream`, '*', 'id', 'nopayload');
    const good = await store.enqueue(spec());
    const lease = (await store.claim('r', { leaseMs: 5000, waitMs: 2000 }))!;
    expect(lease.job.id).toBe(good.id);

    const dead = (await raw.xrange(`${p}jobs:stream:dead`, '-', '+')).map(
      ([, f]) => f[f.indexOf('reason') + 1],
    );
    expect(dead[0]).toMatch(/^id: missing/);
    expect(dead[1]).toMatch(/^id: "\.\.\/\.\.\/etc" is not a job id/);
    expect(dead).toHaveLength(5);
    expect(await store.get('poison1')).toMatchObject({ status: 'failed', errorKind: 'invalid_input' });
    expect((await store.get('poison1'))!.errorMessage).toMatch(/prompt/);
    expect((await store.get('poison2'))!.errorMessage).toMatch(/payload is not valid JSON/);
    expect((await store.get('nopayload'))!.errorMessage).toMatch(/^payload: missing/);
    expect((await store.readOutput('poison1', 0, 10)).at(-1)).toMatchObject({ type: 'end' });
    expect(await raw.xlen(`${p}jobs:stream`)).toBe(1); // only the running job's entry is left
  });

  it('runs a job a web app handed over with a hash first, then an entry with only the id', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p });
    const payload = JSON.stringify({
      repo: 'https://e.com/r.git',
      prompt: 'hi',
      agent: 'command',
      agentCmd: 'true',
    });
    await raw.hset(`${p}job:webapp1`, { payload, status: 'pending' });
    expect(await store.get('webapp1')).toMatchObject({ status: 'queued', repo: 'https://e.com/r.git' });
    await raw.xadd(`${p}jobs:stream`, '*', 'id', 'webapp1');
    const lease = (await store.claim('r', { leaseMs: 5000, waitMs: 1000 }))!;
    expect(lease.job).toMatchObject({
      id: 'webapp1',
      status: 'running',
      agent: 'command',
      branch: 'drover/webapp1',
    });
    expect(lease.job.spec.prompt).toBe('hi');
    expect(await raw.hget(`${p}job:webapp1`, 'createdAt')).toBeTruthy();
    expect(await lease.finish({ status: 'succeeded' })).toBe(true);
    expect((await store.list({})).jobs.map((j) => j.id)).toEqual(['webapp1']);
  });

  it('drover run creates its job already claimed, with no entry a worker could read; a lapsed one is re-queued', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p });
    const other = await store.enqueue(spec());
    const direct = await store.enqueueClaimed(spec({ baseRef: 'main' }), {
      runnerId: 'run',
      leaseMs: 100,
      source: { intake: 'cli' },
    });
    const id = direct.job.id;
    expect(direct.job).toMatchObject({ status: 'running', attempts: 1, runnerId: 'run', baseRef: 'main' });
    const hash = await raw.hgetall(`${p}job:${id}`);
    expect(hash).toMatchObject({ status: 'running', runnerId: 'run', entryId: '', attempts: '1' });
    expect(JSON.parse(hash.source!)).toEqual({ intake: 'cli' });
    expect(await raw.zscore(`${p}jobs:status:running`, id)).toBe('0');
    expect(await raw.zscore(`${p}jobs:status:queued`, id)).toBeNull();
    const entries = await raw.xrange(`${p}jobs:stream`, '-', '+');
    expect(entries.map(([, f]) => f[1])).toEqual([other.id]); // only the other job is in the queue
    await expect(store.enqueueClaimed(spec(), { id, runnerId: 'run', leaseMs: 100 })).rejects.toThrow(
      /already exists/,
    );
    const w = (await store.claim('w', { leaseMs: 5000, waitMs: 1000 }))!;
    expect(w.job.id).toBe(other.id);
    // The drover run process dies (no heartbeat): the reaper re-queues the job for a worker.
    let again: Awaited<ReturnType<RedisStore['claim']>>;
    for (let i = 0; i < 60 && !again; i++) again = await store.claim('w2', { leaseMs: 5000, waitMs: 200 });
    expect(again!.job).toMatchObject({ id, attempts: 2, runnerId: 'w2' });
    expect(await direct.heartbeat()).toMatchObject({ lost: true });
    expect(await direct.finish({ status: 'succeeded' })).toBe(false);
    expect(await again!.finish({ status: 'succeeded' })).toBe(true);
  });

  it('a live drover run keeps its job: heartbeats hold it past the claim idle time, finish writes once', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p });
    const direct = await store.enqueueClaimed(spec(), { runnerId: 'run', leaseMs: 300 });
    for (let i = 0; i < 6; i++) {
      expect(await direct.heartbeat()).toEqual({ lost: false, cancelRequested: false });
      expect(await store.claim('w', { leaseMs: 5000, waitMs: 150 })).toBeUndefined();
    }
    await store.requestCancel(direct.job.id);
    expect(await direct.heartbeat()).toEqual({ lost: false, cancelRequested: true });
    expect(await direct.finish({ status: 'cancelled', errorKind: 'cancelled' })).toBe(true);
    expect(await store.get(direct.job.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
  });

  it('stores output idempotently by seq, bounded by MAXLEN', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p, outputMaxLen: 5 });
    const e = (seq: number, extra = {}) => ({
      seq,
      ts: 't',
      stream: 'stdout' as const,
      line: `l${seq}`,
      ...extra,
    });
    expect(await store.lastSeq('j1')).toBe(0);
    await store.appendOutput('j1', [e(1), e(2, { type: 'agent.text', data: { a: 1 } })]);
    await store.appendOutput('j1', [e(1), e(2), e(3)]); // a retried batch
    expect(await store.readOutput('j1', 0, 10)).toEqual([
      e(1),
      e(2, { type: 'agent.text', data: { a: 1 } }),
      e(3),
    ]);
    expect(await store.readOutput('j1', 2, 10)).toEqual([e(3)]);
    await store.appendOutput(
      'j1',
      [4, 5, 6, 7].map((n) => e(n)),
    );
    expect((await store.readOutput('j1', 0, 10)).map((x) => x.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(await store.lastSeq('j1')).toBe(7);
    const fields = (await raw.xrange(`${p}job:j1:output`, '7-0', '7-0'))[0]![1];
    expect(fields).toEqual(['seq', '7', 'ts', 't', 'stream', 'stdout', 'line', 'l7']);
  });

  it('lists live runners from runner:{id} keys', async () => {
    const p = freshPrefix();
    const store = await open({ prefix: p });
    const info = {
      id: 'w1',
      host: 'h',
      pid: 1,
      startedAt: 's',
      jobs: ['j'],
      concurrency: 2,
      lastSeenAt: 'n',
    };
    await store.registerRunner(info, 10_000);
    await store.registerRunner({ ...info, id: 'w2' }, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.listRunners()).toEqual([info]);
    expect(await raw.pttl(`${p}runner:w1`)).toBeGreaterThan(0);
    await store.unregisterRunner('w1');
    expect(await store.listRunners()).toEqual([]);
  });

  it('refuses a bad job id and reports an unreachable Redis clearly', async () => {
    const store = await open({ prefix: freshPrefix() });
    await expect(store.enqueue(spec(), { id: 'A/B' })).rejects.toThrow(/id: is not a job id/);
    await expect(RedisStore.connect({ url: 'redis://:secretpw@127.0.0.1:1', logger })).rejects.toThrow(
      /Cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/,
    );
  });
});

describe('RedisStore across a Redis restart', () => {
  let persistent: RedisServer;
  beforeAll(async () => {
    persistent = await startRedisServer({ persistent: true });
  });
  afterAll(() => persistent.cleanup());

  it('writes a batch of output in one script call, idempotent per seq when re-sent after a restart', async () => {
    const store = await RedisStore.connect({ url: persistent.url, logger, prefix: 'out:' });
    stores.push(store);
    const direct = new Redis(persistent.url);
    const scriptCalls = async () => {
      const stats = await direct.info('commandstats');
      return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    };
    const entries = Array.from({ length: 3000 }, (_, i) => ({
      seq: i + 1,
      ts: `t${i + 1}`,
      stream: 'stdout' as const,
      line: i === 7 ? 'lone \ud800 surrogate' : `line ${i + 1}`,
      ...(i % 100 === 0 ? { type: 'agent.text', data: { i, text: 'a "quoted" \\ value' } } : {}),
    }));
    await store.appendOutput('warm', entries.slice(0, 1)); // loads the script into Redis's cache
    await direct.config('RESETSTAT');
    await store.appendOutput('j1', entries.slice(0, 2000)); // one JobOutput batch
    expect(await scriptCalls()).toBe(1);
    direct.disconnect();

    await persistent.stop();
    await persistent.start(); // the script cache is empty now (NOSCRIPT, then EVAL)
    for (let i = 0; ; i++) {
      // The whole batch again, as JobOutput re-sends it after a failure, plus what came after it.
      const sent = await store.appendOutput('j1', entries).then(
        () => true,
        (err) => (i < 100 ? false : Promise.reject(err)),
      );
      if (sent) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stored = await store.readOutput('j1', 0, 10_000);
    expect(stored.map((e) => e.seq)).toEqual(entries.map((e) => e.seq));
    expect(stored[7]!.line).toBe('lone \ufffd surrogate');
    expect(stored.filter((_, i) => i !== 7)).toEqual(entries.filter((_, i) => i !== 7));
    expect(await store.lastSeq('j1')).toBe(3000);
  });

  it('buffers updates and retries the final status until Redis is back', async () => {
    const store = await RedisStore.connect({ url: persistent.url, logger, claimIdleMs: 60_000 });
    stores.push(store);
    const job = await store.enqueue(spec());
    const lease = (await store.claim('r', { leaseMs: 60_000, waitMs: 0 }))!;
    await persistent.stop();
    await store.update(job.id, { phase: 'agent', costUsd: 1.25 }); // resolves: buffered
    expect(await lease.heartbeat()).toEqual({ lost: false, cancelRequested: false });
    await expect(store.get(job.id)).rejects.toThrow(/unreachable/);
    const finished = lease.finish({ status: 'succeeded', commit: 'c1' });
    await new Promise((r) => setTimeout(r, 500));
    await persistent.start();
    expect(await finished).toBe(true);
    expect(await store.get(job.id)).toMatchObject({ status: 'succeeded', costUsd: 1.25, commit: 'c1' });
  });
});

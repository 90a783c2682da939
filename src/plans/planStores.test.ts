import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/support/redisServer.js';
import { NotFoundError } from '../errors.js';
import { createPlan, mutatePlan } from './mutatePlan.js';
import { PlanSettings } from './PlanFile.js';
import { dispatchingRun, type PlanDoc, type RunRecord } from './PlanState.js';
import { RedisPlanStore } from './RedisPlanStore.js';
import { SqlitePlanStore } from './SqlitePlanStore.js';
import type { PlanStore } from './types.js';

let server: RedisServer;
let raw: Redis;
let dir: string;
let n = 0;

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
  dir = mkdtempSync(join(tmpdir(), 'drover-planstore-'));
});
afterAll(async () => {
  raw?.disconnect();
  await server?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const backends: [string, () => Promise<PlanStore>][] = [
  ['sqlite', async () => new SqlitePlanStore(join(dir, `p${++n}.db`))],
  [
    'redis',
    async () =>
      RedisPlanStore.connect({ url: server.url, prefix: `t${++n}:`, logger: pino({ level: 'silent' }) }),
  ],
];

const now = new Date().toISOString();
const doc = (name: string): PlanDoc => ({
  name,
  repo: '/srv/r.git',
  baseRef: null,
  defaults: {},
  settings: PlanSettings.parse({}),
  paused: false,
  createdAt: now,
  updatedAt: now,
  eventSeq: 0,
  completedAt: null,
  tasks: [],
});
const run = (jobId: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  ...dispatchingRun({ jobId, task: 'a', role: 'executor', seq: 1, createdAt: now }),
  ...extra,
});

describe.each(backends)('plan store (%s)', (_kind, open) => {
  it('creates once, then saves only over the version it read, with runs and numbered events', async () => {
    const store = await open();
    try {
      expect(
        await createPlan(store, doc('alpha'), [{ type: 'plan.created', task: null, data: { tasks: 0 } }]),
      ).toBe(true);
      expect(await createPlan(store, doc('alpha'), [])).toBe(false);
      const first = (await store.get('alpha'))!;
      expect(first).toMatchObject({ name: 'alpha', version: 1, eventSeq: 1, runs: [] });
      expect(await store.names()).toEqual(['alpha']);

      // Two writers read version 1: the first save wins, the second is refused (compare-and-set).
      const ev = (seq: number) => ({
        seq,
        ts: now,
        type: 'task.created' as const,
        task: 'a',
        data: { n: seq },
      });
      expect(await store.save({ ...first, eventSeq: 2, paused: true }, 1, [run('j1')], [ev(2)])).toBe(true);
      expect(await store.save({ ...first, eventSeq: 2 }, 1, [run('j2')], [ev(2)])).toBe(false);
      const second = (await store.get('alpha'))!;
      expect(second).toMatchObject({ version: 2, paused: true });
      expect(second.runs.map((r) => r.jobId)).toEqual(['j1']);

      // A run is updated in place; events come back in order, after a given seq.
      expect(
        await store.save(
          { ...second, eventSeq: 3 },
          2,
          [run('j1', { status: 'succeeded' }), run('j0')],
          [ev(3)],
        ),
      ).toBe(true);
      const third = (await store.get('alpha'))!;
      expect(third.runs.map((r) => [r.jobId, r.status])).toEqual([
        ['j0', 'dispatching'],
        ['j1', 'succeeded'],
      ]);
      expect((await store.events('alpha', 0, 10)).map((e) => [e.seq, e.type, e.task])).toEqual([
        [1, 'plan.created', null],
        [2, 'task.created', 'a'],
        [3, 'task.created', 'a'],
      ]);
      expect((await store.events('alpha', 2, 10)).map((e) => e.data)).toEqual([{ n: 3 }]);
      expect(await store.events('alpha', 3, 10)).toEqual([]);
      expect((await store.list()).map((d) => d.name)).toEqual(['alpha']);
    } finally {
      await store.close();
    }
  });

  it('mutatePlan re-runs the change on the fresh plan after a conflict, and names a missing plan', async () => {
    const store = await open();
    try {
      await createPlan(store, doc('beta'), []);
      let calls = 0;
      const { plan, events } = await mutatePlan(store, 'beta', async (p, emit) => {
        calls++;
        // Someone else saves in between, once.
        if (calls === 1) {
          const fresh = (await store.get('beta'))!;
          expect(await store.save({ ...fresh, paused: true }, fresh.version, [], [])).toBe(true);
        }
        emit({ type: 'plan.updated', task: null, data: { sawPaused: p.paused } });
      });
      expect(calls).toBe(2);
      expect(plan.version).toBe(3);
      expect(events).toEqual([
        expect.objectContaining({ seq: 1, type: 'plan.updated', data: { sawPaused: true } }),
      ]);
      // Nothing changed, nothing emitted: no write.
      const { plan: same } = await mutatePlan(store, 'beta', () => undefined);
      expect(same.version).toBe(3);
      await expect(mutatePlan(store, 'nope', () => undefined)).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await store.close();
    }
  });

  it('gives a plan’s lease to one holder, renews it, and lets another take it once it lapsed', async () => {
    const store = await open();
    try {
      const a = { holder: 'a', host: 'h', pid: 1 };
      const b = { holder: 'b', host: 'h', pid: 2 };
      expect(await store.lease('p', a, 60_000)).toBe(true);
      expect(await store.lease('p', b, 60_000)).toBe(false);
      expect(await store.leaseHolder('p')).toMatchObject({ holder: 'a', pid: 1 });
      // a renews with a short lease and then stops renewing (as if killed): it lapses.
      expect(await store.lease('p', a, 200)).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect(await store.lease('p', b, 5000)).toBe(true);
      expect(await store.lease('p', a, 5000)).toBe(false);
      await store.releaseLease('p', 'a'); // not a's to release
      expect((await store.leaseHolder('p'))?.holder).toBe('b');
      await store.releaseLease('p', 'b');
      expect(await store.leaseHolder('p')).toBeUndefined();
      expect(await store.lease('p', a, 5000)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('redis plan keys', () => {
  it('keeps plans under documented keys with the prefix', async () => {
    const store = await RedisPlanStore.connect({
      url: server.url,
      prefix: 'k:',
      logger: pino({ level: 'silent' }),
    });
    try {
      await createPlan(store, doc('gamma'), [{ type: 'plan.created', task: null, data: {} }]);
      const p = (await store.get('gamma'))!;
      await store.save(p, 1, [run('j9')], []);
      await store.lease('gamma', { holder: 'x', host: 'h', pid: 3 }, 5000);
      expect((await raw.keys('k:*')).sort()).toEqual([
        'k:plan:gamma',
        'k:plan:gamma:events',
        'k:plan:gamma:lease',
        'k:plan:gamma:runs',
        'k:plans:index',
      ]);
      expect(await raw.hget('k:plan:gamma', 'version')).toBe('2');
      expect(JSON.parse((await raw.hget('k:plan:gamma:runs', 'j9'))!)).toMatchObject({ jobId: 'j9' });
      expect((await raw.xrange('k:plan:gamma:events', '-', '+'))[0]?.[0]).toBe('1-0');
      // A broken document fails clearly instead of steering anything.
      await raw.hset('k:plan:gamma', 'doc', '{"name":1}');
      await expect(store.get('gamma')).rejects.toThrow('Plan gamma is unreadable in the store');
    } finally {
      await store.close();
    }
  });
});

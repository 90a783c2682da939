import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../test/support/redisServer.js';
import type { ForgeTask } from '../ForgeTask.js';
import type { ForgeState } from '../types.js';
import { RedisForgeState } from './RedisForgeState.js';
import { SqliteForgeState } from './SqliteForgeState.js';

// One contract, both adapters: the embedded forge.db and the Redis keys.

let dir: string;
let redis: RedisServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-forge-state-'));
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const task = (id: string, over: Partial<ForgeTask> = {}): ForgeTask => ({
  id,
  repo: { forge: 'github', path: 'acme/app', installationId: 3 },
  thread: { kind: 'issue', number: 1 },
  lane: 'github|acme/app|drover/issue-1',
  state: 'waiting',
  comment: { body: 'hello', synced: false, attempts: 0 },
  open: true,
  nextAt: 1000,
  createdAt: new Date(0).toISOString(),
  ...over,
});

const adapters: [string, () => Promise<ForgeState>][] = [
  ['SqliteForgeState', async () => new SqliteForgeState(join(dir, `${Math.random()}.db`))],
  [
    'RedisForgeState',
    async () => RedisForgeState.connect(redis.url, `t${Math.random()}:`, pino({ level: 'silent' })),
  ],
];

describe.each(adapters)('%s', (_name, open) => {
  it('firstSeen is true once per key until it expires or is forgotten', async () => {
    const state = await open();
    try {
      expect(await state.firstSeen('delivery:github:a', 60_000)).toBe(true);
      expect(await state.firstSeen('delivery:github:a', 60_000)).toBe(false);
      await state.forget('delivery:github:a');
      expect(await state.firstSeen('delivery:github:a', 60_000)).toBe(true);
      expect(await state.firstSeen('short', 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(await state.firstSeen('short', 60_000)).toBe(true);
    } finally {
      await state.close();
    }
  });

  it('lanes: one at the head, the rest in order; only the head leaving moves it on', async () => {
    const state = await open();
    try {
      const lane = 'github|acme/app|b';
      expect(await Promise.all(['t1', 't2', 't3'].map((id) => state.enterLane(lane, id)))).toEqual([0, 1, 2]);
      expect(await state.enterLane(lane, 't2')).toBe(1); // entering twice keeps the place
      expect(await state.laneHead(lane)).toBe('t1');
      expect(await state.leaveLane(lane, 't3')).toBeUndefined(); // from the middle: nothing starts
      expect(await state.leaveLane(lane, 't1')).toBe('t2');
      expect(await state.leaveLane(lane, 't2')).toBeUndefined();
      expect(await state.laneHead(lane)).toBeUndefined();
      expect(await state.laneHead('github|other|b')).toBeUndefined();
    } finally {
      await state.close();
    }
  });

  it('tasks: saved and read back, due when open and their time has come, locked by one at a time', async () => {
    const state = await open();
    try {
      await state.saveTask(task('a', { nextAt: 100 }));
      await state.saveTask(task('b', { nextAt: 50 }));
      await state.saveTask(task('c', { nextAt: 5000 }));
      await state.saveTask(
        task('d', {
          nextAt: 10,
          open: false,
          state: 'ended',
          comment: { body: 'x', synced: true, attempts: 0 },
        }),
      );
      expect(await state.getTask('a')).toEqual(task('a', { nextAt: 100 }));
      expect(await state.getTask('missing')).toBeUndefined();
      expect((await state.dueTasks(1000, 10)).map((t) => t.id)).toEqual(['b', 'a']);
      expect((await state.dueTasks(1000, 1)).map((t) => t.id)).toEqual(['b']);
      // Closing a task takes it out of the due set.
      await state.saveTask(task('b', { nextAt: 50, open: false, state: 'ended' }));
      expect((await state.dueTasks(1000, 10)).map((t) => t.id)).toEqual(['a']);

      expect(await state.lockTask('a', 60_000)).toBe(true);
      expect(await state.lockTask('a', 60_000)).toBe(false);
      await state.unlockTask('a');
      expect(await state.lockTask('a', 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(await state.lockTask('a', 60_000)).toBe(true);
    } finally {
      await state.close();
    }
  });
});

describe('SqliteForgeState', () => {
  it('keeps its own schema version in forge.db and survives reopening', async () => {
    const path = join(dir, 'reopen.db');
    const one = new SqliteForgeState(path);
    await one.saveTask(task('kept'));
    expect(await one.enterLane('l', 'kept')).toBe(0);
    await one.close();
    const two = new SqliteForgeState(path);
    expect((await two.getTask('kept'))?.id).toBe('kept');
    expect(await two.laneHead('l')).toBe('kept');
    expect(await two.firstSeen('x', 1000)).toBe(true);
    await two.close();
  });
});

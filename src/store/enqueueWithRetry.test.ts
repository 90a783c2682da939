import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/support/redisServer.js';
import { ConflictError, StoreUnavailableError } from '../errors.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { enqueueWithRetry } from './enqueueWithRetry.js';
import { RedisStore } from './RedisStore.js';

const logger = pino({ level: 'silent' });
const spec = (prompt = 'do it') =>
  parseJobSpec({ repo: 'https://example.com/r.git', prompt, agent: 'command', agentCmd: 'true' });

let server: RedisServer;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
  raw = new Redis(server.url, { maxRetriesPerRequest: null });
  raw.on('error', () => {});
});

afterAll(async () => {
  raw?.disconnect();
  await server?.cleanup();
});

const open = (prefix: string) => () => RedisStore.connect({ url: server.url, prefix, logger });

describe('enqueueWithRetry', () => {
  it('rides out a Redis restart and queues the job once', async () => {
    await server.stop();
    const retries: number[] = [];
    let restarted: Promise<void> | undefined;
    const job = await enqueueWithRetry(open('blip:'), spec(), {
      source: { intake: 'cli' },
      waitMs: 60_000,
      onRetry: (err, attempt) => {
        expect(err).toBeInstanceOf(StoreUnavailableError);
        retries.push(attempt);
        restarted ??= server.start();
      },
    });
    await restarted;
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(job.status).toBe('queued');
    expect(await raw.xlen('blip:jobs:stream')).toBe(1);
    expect(await raw.zrange('blip:jobs:index', '0', '-1')).toEqual([job.id]);
  });

  it('takes the job already stored under its id (a lost reply) as queued, and refuses a different one', async () => {
    const first = await enqueueWithRetry(open('same:'), spec(), { source: { intake: 'cli' }, waitMs: 0 });
    const again = await enqueueWithRetry(open('same:'), spec(), {
      source: { intake: 'cli' },
      waitMs: 0,
      id: first.id,
    });
    expect(again.id).toBe(first.id);
    expect(await raw.xlen('same:jobs:stream')).toBe(1);
    await expect(
      enqueueWithRetry(open('same:'), spec('something else'), {
        source: { intake: 'cli' },
        waitMs: 0,
        id: first.id,
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      enqueueWithRetry(open('same:'), spec(), { source: { intake: 'api' }, waitMs: 0, id: first.id }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await raw.xlen('same:jobs:stream')).toBe(1);
  });

  it('gives up after the wait with a clear error, having queued nothing', async () => {
    await server.stop();
    try {
      const err = await enqueueWithRetry(open('down:'), spec(), {
        source: { intake: 'cli' },
        waitMs: 300,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toMatch(
        /Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+.*nothing was queued/,
      );
    } finally {
      await server.start();
    }
    expect(await raw.xlen('down:jobs:stream')).toBe(0);
  });
});

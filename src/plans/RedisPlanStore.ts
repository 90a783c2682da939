import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StoreError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { createRedisClient, isConnectionError, maskRedisUrl } from '../store/redis/redisConnection.js';
import { parseStoredJson } from '../util/storedJson.js';
import type { PlanEvent } from './PlanEvent.js';
import type { PlanDoc, PlanState, RunRecord } from './PlanState.js';
import { RedisPlanKeys } from './redisPlanKeys.js';
import { DROP_LEASE, SAVE_PLAN, TAKE_LEASE } from './redisPlanScripts.js';
import { parseStoredDoc, parseStoredEvent, parseStoredRun } from './storedPlan.js';
import type { LeaseHolder, PlanStore } from './types.js';

export interface RedisPlanStoreOptions {
  url: string;
  prefix?: string;
  logger?: Logger;
}

/** Plans in the Redis backend: every save is one Lua script (compare-and-set, runs, events). */
export class RedisPlanStore implements PlanStore {
  readonly kind = 'redis' as const;
  readonly keys: RedisPlanKeys;
  private readonly client: Redis;
  private readonly url: string;
  private closed = false;

  private constructor(opts: RedisPlanStoreOptions) {
    const logger = (opts.logger ?? createLogger()).child({ component: 'redis-plans' });
    this.url = maskRedisUrl(opts.url);
    this.keys = new RedisPlanKeys(opts.prefix ?? '');
    this.client = createRedisClient(opts.url, { logger, name: 'drover-plans' });
  }

  static async connect(opts: RedisPlanStoreOptions): Promise<RedisPlanStore> {
    const store = new RedisPlanStore(opts);
    try {
      await store.client.ping();
    } catch (err) {
      await store.close();
      throw new StoreError(`Cannot reach Redis at ${store.url}: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      throw new StoreError(`Redis at ${this.url} is unreachable: ${(err as Error).message}`, { cause: err });
    }
  }

  async names(): Promise<string[]> {
    return this.call(() => this.client.zrange(this.keys.index, '0', '-1'));
  }

  async list(): Promise<PlanDoc[]> {
    const names = await this.names();
    if (names.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const name of names) pipeline.hget(this.keys.plan(name), 'doc');
    const replies = (await this.call(() => pipeline.exec())) ?? [];
    return names.flatMap((name, i) => {
      const doc = replies[i]?.[1];
      return typeof doc === 'string' ? [parseStoredDoc(name, doc)] : [];
    });
  }

  async get(name: string): Promise<PlanState | undefined> {
    const [[, hash], [, runs]] = ((await this.call(() =>
      this.client.multi().hgetall(this.keys.plan(name)).hgetall(this.keys.runs(name)).exec(),
    )) ?? []) as [[unknown, Record<string, string>], [unknown, Record<string, string>]];
    if (!hash?.doc) return undefined;
    const version = Number(hash.version);
    if (!Number.isInteger(version) || version < 1) {
      throw new StoreError(`Plan ${name} has no valid version in ${this.keys.plan(name)}`);
    }
    const records = Object.values(runs ?? {})
      .map((json) => parseStoredRun(name, json))
      .sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
    return { ...parseStoredDoc(name, hash.doc), version, runs: records };
  }

  async save(doc: PlanDoc, expected: number, runs: RunRecord[], events: PlanEvent[]): Promise<boolean> {
    const args: (string | number)[] = [expected, JSON.stringify(doc), doc.updatedAt, doc.name, runs.length];
    for (const run of runs) args.push(run.jobId, JSON.stringify(run));
    for (const e of events) args.push(e.seq, e.ts, e.type, e.task ?? '', JSON.stringify(e.data));
    const result = await this.call(() =>
      SAVE_PLAN.run(
        this.client,
        [this.keys.plan(doc.name), this.keys.runs(doc.name), this.keys.events(doc.name), this.keys.index],
        args,
      ),
    );
    return Number(result) > 0;
  }

  async events(name: string, afterSeq: number, limit: number): Promise<PlanEvent[]> {
    const reply = await this.call(() =>
      this.client.xrange(
        this.keys.events(name),
        `${Math.max(0, Math.floor(afterSeq)) + 1}-0`,
        '+',
        'COUNT',
        limit,
      ),
    );
    return reply.map(([, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return parseStoredEvent(name, {
        seq: Number(f.seq),
        ts: f.ts,
        type: f.type,
        task: f.task ?? null,
        data: parseStoredJson(f.data),
      });
    });
  }

  async lease(name: string, holder: Omit<LeaseHolder, 'until'>, ttlMs: number): Promise<boolean> {
    const info: LeaseHolder = { ...holder, until: new Date(Date.now() + ttlMs).toISOString() };
    const taken = await this.call(() =>
      TAKE_LEASE.run(this.client, [this.keys.lease(name)], [holder.holder, JSON.stringify(info), ttlMs]),
    );
    return Number(taken) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.call(() => DROP_LEASE.run(this.client, [this.keys.lease(name)], [holder]));
  }

  async leaseHolder(name: string): Promise<LeaseHolder | undefined> {
    const value = parseStoredJson(await this.call(() => this.client.get(this.keys.lease(name))));
    return value && typeof value === 'object' ? (value as LeaseHolder) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.race([
      this.client.quit().catch(() => undefined),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
    this.client.disconnect();
  }
}

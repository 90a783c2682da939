import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StoreError } from '../../errors.js';
import { LuaScript } from '../../store/redis/LuaScript.js';
import { createRedisClient, lastConnectionError, maskRedisUrl } from '../../store/redis/redisConnection.js';
import { type ForgeTask, parseStoredTask } from '../ForgeTask.js';
import type { ForgeState } from '../types.js';

/** Closed tasks expire after this long. */
const KEEP_CLOSED_MS = 30 * 24 * 3600_000;

// Removes the task from its lane; when it was the head, returns the new head (the next to start).
const LEAVE_LANE = new LuaScript(
  'forgeLeaveLane',
  `local head = redis.call('LINDEX', KEYS[1], 0)
redis.call('LREM', KEYS[1], 0, ARGV[1])
if head ~= ARGV[1] then return false end
return redis.call('LINDEX', KEYS[1], 0)`,
);

// Appends the task unless it is in the lane already; returns how many tasks are ahead of it.
const ENTER_LANE = new LuaScript(
  'forgeEnterLane',
  `local pos = redis.call('LPOS', KEYS[1], ARGV[1])
if not pos then pos = redis.call('RPUSH', KEYS[1], ARGV[1]) - 1 end
return pos`,
);

/** Keys of the forge state (a public contract, in the README's keys table), under the store's prefix. */
export class ForgeKeys {
  constructor(readonly prefix = '') {}
  /** `forge:delivery:{forge}:{id}` (deliveries seen) and `forge:notice:...` (one-time replies): strings with a TTL. */
  seen(key: string): string {
    return `${this.prefix}forge:${key}`;
  }
  task(id: string): string {
    return `${this.prefix}forge:task:${id}`;
  }
  taskLock(id: string): string {
    return `${this.prefix}forge:task:${id}:lock`;
  }
  get open(): string {
    return `${this.prefix}forge:tasks:open`;
  }
  lane(lane: string): string {
    return `${this.prefix}forge:lane:${lane}`;
  }
}

/** The forge state on the Redis backend, shared by every `drover serve` in front of it. */
export class RedisForgeState implements ForgeState {
  readonly keys: ForgeKeys;

  private constructor(
    private readonly client: Redis,
    prefix: string,
  ) {
    this.keys = new ForgeKeys(prefix);
  }

  static async connect(url: string, prefix: string, logger: Logger): Promise<RedisForgeState> {
    const client = createRedisClient(url, { logger, name: 'drover-forge' });
    try {
      await client.ping();
    } catch (err) {
      const reason = lastConnectionError.get(client) ?? (err as Error);
      client.disconnect();
      throw new StoreError(`Cannot reach Redis at ${maskRedisUrl(url)}: ${reason.message}`, { cause: err });
    }
    return new RedisForgeState(client, prefix);
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.keys.seen(key), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async forget(key: string): Promise<void> {
    await this.client.del(this.keys.seen(key));
  }

  async saveTask(task: ForgeTask): Promise<void> {
    const multi = this.client.multi();
    if (task.open) {
      multi.set(this.keys.task(task.id), JSON.stringify(task));
      multi.zadd(this.keys.open, task.nextAt, task.id);
    } else {
      multi.set(this.keys.task(task.id), JSON.stringify(task), 'PX', KEEP_CLOSED_MS);
      multi.zrem(this.keys.open, task.id);
    }
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  async getTask(id: string): Promise<ForgeTask | undefined> {
    return parseStoredTask(await this.client.get(this.keys.task(id)));
  }

  async enterLane(lane: string, taskId: string): Promise<number> {
    return Number(await ENTER_LANE.run(this.client, [this.keys.lane(lane)], [taskId]));
  }

  async laneHead(lane: string): Promise<string | undefined> {
    return (await this.client.lindex(this.keys.lane(lane), 0)) ?? undefined;
  }

  async leaveLane(lane: string, taskId: string): Promise<string | undefined> {
    const next = await LEAVE_LANE.run(this.client, [this.keys.lane(lane)], [taskId]);
    return typeof next === 'string' ? next : undefined;
  }

  async dueTasks(now: number, limit: number): Promise<ForgeTask[]> {
    const ids = await this.client.zrangebyscore(this.keys.open, '-inf', now, 'LIMIT', 0, limit);
    if (ids.length === 0) return [];
    const raw = await this.client.mget(ids.map((id) => this.keys.task(id)));
    const tasks: ForgeTask[] = [];
    for (const [i, value] of raw.entries()) {
      const task = parseStoredTask(value);
      if (task) tasks.push(task);
      // A task whose record expired or is unreadable leaves the index instead of coming back forever.
      else await this.client.zrem(this.keys.open, ids[i]!);
    }
    return tasks;
  }

  async lockTask(id: string, ms: number): Promise<boolean> {
    return (await this.client.set(this.keys.taskLock(id), '1', 'PX', ms, 'NX')) === 'OK';
  }

  async unlockTask(id: string): Promise<void> {
    await this.client.del(this.keys.taskLock(id));
  }

  async close(): Promise<void> {
    await Promise.race([this.client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    this.client.disconnect();
  }
}

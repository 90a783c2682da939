import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redactUrlCredentials } from '../../git/repoUrl.js';
import { defaultBranch, JOB_ID_PATTERN } from '../../jobs/ids.js';
import { sleep } from '../../util/sleep.js';
import type { ClaimOptions, Lease } from '../types.js';
import { reapLapsedJobs } from './directClaims.js';
import type { RedisContext } from './RedisContext.js';
import { RedisLease } from './RedisLease.js';
import { isConnectionError } from './redisConnection.js';
import { hashToJob, pairsToHash } from './redisJobHash.js';
import { CONSUMER_GROUP } from './redisKeys.js';
import { BEGIN } from './redisScripts.js';
import { judgeEntry, parseEntries, type StreamEntry } from './streamEntry.js';

/**
 * Turns `jobs:stream` deliveries into leases. Each claim looks, in order, at: this runner's own pending
 * entries left by an earlier process with the same runner id (once), entries idle longer than the claim
 * idle time (XAUTOCLAIM: their worker died), then new entries (XREADGROUP, blocking ≤ 1 s at a time on
 * a connection of its own so heartbeats never wait behind it).
 */
export class RedisClaimer {
  private readonly ownPending = new Map<string, Promise<string[]>>();
  private cursor = '0-0';
  private lastAutoclaim = 0;
  private lastReap = 0;
  private groupReady: Promise<void> | undefined;
  private readonly freeReaders: Redis[] = [];
  private readonly readers = new Set<Redis>();

  constructor(
    private readonly ctx: RedisContext,
    private readonly newReader: () => Redis,
  ) {}

  ensureGroup(): Promise<void> {
    this.groupReady ??= this.ctx.client
      .xgroup('CREATE', this.ctx.keys.stream, CONSUMER_GROUP, '0', 'MKSTREAM')
      .then(
        () => undefined,
        (err: Error) => {
          if (err.message.includes('BUSYGROUP')) return;
          this.groupReady = undefined;
          throw err;
        },
      );
    return this.groupReady;
  }

  async claim(runnerId: string, opts: ClaimOptions): Promise<Lease | undefined> {
    const deadline = Date.now() + opts.waitMs;
    for (let round = 0; round < 10_000; round++) {
      if (opts.signal?.aborted) return undefined;
      try {
        await this.ensureGroup();
        if (Date.now() - this.lastReap >= Math.max(2000, this.ctx.claimIdleMs)) {
          this.lastReap = Date.now();
          await reapLapsedJobs(this.ctx, runnerId);
        }
        const lease =
          (await this.fromOwnPending(runnerId, opts)) ??
          (await this.fromIdle(runnerId, opts)) ??
          (await this.fromNew(runnerId, opts, deadline));
        if (lease) return lease;
      } catch (err) {
        // Redis restarted without our group (no persistence): recreate it and carry on.
        if (err instanceof Error && err.message.includes('NOGROUP')) this.groupReady = undefined;
        else if (!isConnectionError(err)) throw err;
        await sleep(Math.min(500, Math.max(50, deadline - Date.now())), opts.signal);
      }
      if (Date.now() >= deadline) return undefined;
    }
    return undefined;
  }

  private async fromOwnPending(runnerId: string, opts: ClaimOptions): Promise<Lease | undefined> {
    let queue = this.ownPending.get(runnerId);
    if (!queue) {
      queue = this.fetchOwnPending(runnerId);
      this.ownPending.set(runnerId, queue);
      queue.catch(() => this.ownPending.delete(runnerId));
    }
    const ids = await queue;
    while (ids.length > 0) {
      const id = ids.shift()!;
      if (this.ctx.active.has(id)) continue;
      // Re-claiming counts as a delivery, so a job that keeps killing its worker is still abandoned.
      const reply = await this.ctx.client.call(
        'XCLAIM',
        this.ctx.keys.stream,
        CONSUMER_GROUP,
        runnerId,
        0,
        id,
      );
      for (const entry of parseEntries(reply)) {
        const lease = await this.handle(runnerId, entry, opts);
        if (lease) return lease;
      }
    }
    return undefined;
  }

  private async fetchOwnPending(runnerId: string): Promise<string[]> {
    const reply = (await this.ctx.client.call(
      'XPENDING',
      this.ctx.keys.stream,
      CONSUMER_GROUP,
      '-',
      '+',
      1000,
      runnerId,
    )) as [string, ...unknown[]][];
    return reply.map((row) => row[0]).filter((id) => !this.ctx.active.has(id));
  }

  private async fromIdle(runnerId: string, opts: ClaimOptions): Promise<Lease | undefined> {
    if (Date.now() - this.lastAutoclaim < Math.max(250, Math.min(1000, this.ctx.claimIdleMs / 2)))
      return undefined;
    this.lastAutoclaim = Date.now();
    for (let i = 0; i < 5; i++) {
      const reply = (await this.ctx.client.call(
        'XAUTOCLAIM',
        this.ctx.keys.stream,
        CONSUMER_GROUP,
        runnerId,
        this.ctx.claimIdleMs,
        this.cursor,
        'COUNT',
        1,
      )) as [string, unknown];
      this.cursor = reply[0];
      for (const entry of parseEntries(reply[1])) {
        if (this.ctx.active.has(entry.entryId)) continue;
        const lease = await this.handle(runnerId, entry, opts);
        if (lease) return lease;
      }
      if (this.cursor === '0-0') break;
    }
    return undefined;
  }

  private async fromNew(runnerId: string, opts: ClaimOptions, deadline: number): Promise<Lease | undefined> {
    const remaining = deadline - Date.now();
    const block = remaining > 0 ? ['BLOCK', Math.min(remaining, 1000)] : [];
    const reply = await this.withReader((reader) =>
      reader.call(
        'XREADGROUP',
        'GROUP',
        CONSUMER_GROUP,
        runnerId,
        'COUNT',
        1,
        ...block,
        'STREAMS',
        this.ctx.keys.stream,
        '>',
      ),
    );
    if (!Array.isArray(reply)) return undefined;
    for (const [, entries] of reply as [string, unknown][]) {
      for (const entry of parseEntries(entries)) {
        const lease = await this.handle(runnerId, entry, opts);
        if (lease) return lease;
      }
    }
    return undefined;
  }

  /** Runs the begin script for one delivered entry; returns a lease when the job started. */
  private async handle(runnerId: string, entry: StreamEntry, opts: ClaimOptions): Promise<Lease | undefined> {
    const { client, keys } = this.ctx;
    const rawId = entry.fields.id;
    const hashPayload =
      rawId && JOB_ID_PATTERN.test(rawId) ? await client.hget(keys.job(rawId), 'payload') : null;
    const verdict = judgeEntry(entry.fields, hashPayload, this.ctx.resolveSpec);
    const log = this.ctx.logger.child({ runnerId, entryId: entry.entryId });
    if (verdict.kind === 'dead') {
      await client
        .multi()
        .xadd(
          keys.dead,
          'MAXLEN',
          '~',
          10_000,
          '*',
          'entryId',
          entry.entryId,
          'reason',
          verdict.reason,
          'fields',
          redactUrlCredentials(JSON.stringify(entry.fields)),
        )
        .xack(keys.stream, CONSUMER_GROUP, entry.entryId)
        .xdel(keys.stream, entry.entryId)
        .exec();
      log.warn({ reason: verdict.reason }, 'stream entry rejected to jobs:stream:dead');
      return undefined;
    }
    const spec = verdict.kind === 'job' ? verdict.spec : undefined;
    const token = randomUUID();
    const reply = (await BEGIN.run(
      client,
      [keys.stream, keys.job(verdict.jobId), keys.dead, keys.output(verdict.jobId)],
      [
        keys.prefix,
        verdict.jobId,
        CONSUMER_GROUP,
        entry.entryId,
        runnerId,
        this.ctx.maxAttempts,
        opts.leaseMs,
        new Date().toISOString(),
        token,
        verdict.kind === 'reject' ? verdict.reason : '',
        verdict.payload,
        this.ctx.outputMaxLen,
        redactUrlCredentials(JSON.stringify(entry.fields)),
        spec?.repo ?? '',
        spec?.baseRef ?? '',
        spec ? (spec.branch ?? defaultBranch(verdict.jobId)) : '',
        spec?.agent ?? '',
      ],
    )) as [string, unknown?];
    const [outcome, detail] = reply;
    if (outcome === 'started' && spec) {
      this.ctx.active.add(entry.entryId);
      const job = hashToJob(verdict.jobId, pairsToHash(detail), spec);
      return new RedisLease(this.ctx, job, entry.entryId, token, runnerId, opts.leaseMs);
    }
    if (outcome === 'rejected' || outcome === 'abandoned') {
      log.warn({ jobId: verdict.jobId, reason: detail }, `job ${outcome}`);
    } else {
      log.debug({ jobId: verdict.jobId, outcome }, 'entry not started');
    }
    return undefined;
  }

  private async withReader<T>(fn: (reader: Redis) => Promise<T>): Promise<T> {
    let reader = this.freeReaders.pop();
    if (!reader) {
      reader = this.newReader();
      this.readers.add(reader);
    }
    try {
      return await fn(reader);
    } finally {
      this.freeReaders.push(reader);
    }
  }

  close(): void {
    for (const reader of this.readers) reader.disconnect();
    this.readers.clear();
    this.freeReaders.length = 0;
  }
}

import { join } from 'node:path';
import { RedisStore } from './RedisStore.js';
import { redisSettings } from './redis/redisEnv.js';
import { SqliteStore } from './SqliteStore.js';
import type { JobStore } from './types.js';

export interface OpenStoreOptions {
  dataDir: string;
  maxAttempts?: number;
  redisUrl?: string;
  redisPrefix?: string;
}

/** The embedded SQLite store by default; Redis when a URL is given. */
export async function openStore(opts: OpenStoreOptions): Promise<JobStore> {
  if (opts.redisUrl) {
    return RedisStore.connect({
      ...redisSettings(opts.redisUrl, opts.redisPrefix, process.env),
      ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
    });
  }
  return new SqliteStore(join(opts.dataDir, 'drover.db'), {
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
  });
}

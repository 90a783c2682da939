import { join } from 'node:path';
import { ConfigError } from '../errors.js';
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
    throw new ConfigError('--redis: the Redis backend is not available in this build');
  }
  return new SqliteStore(join(opts.dataDir, 'drover.db'), {
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
  });
}

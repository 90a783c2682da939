import { join } from 'node:path';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import { SqliteStore } from './SqliteStore.js';
import type { JobStore } from './types.js';

export interface OpenStoreOptions {
  dataDir: string;
  maxAttempts?: number;
  redisUrl?: string;
  redisPrefix?: string;
  /** Redis: parses producers' payloads with the runner's repo defaults. */
  resolveSpec?: SpecResolver;
}

/** The embedded SQLite store by default; Redis when a URL is given. */
export async function openStore(opts: OpenStoreOptions): Promise<JobStore> {
  if (opts.redisUrl) {
    // Loaded on demand: the embedded store's commands start faster without the Redis client.
    const [{ RedisStore }, { redisSettings }] = await Promise.all([
      import('./RedisStore.js'),
      import('./redis/redisEnv.js'),
    ]);
    return RedisStore.connect({
      ...redisSettings(opts.redisUrl, opts.redisPrefix, process.env),
      ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
      ...(opts.resolveSpec ? { resolveSpec: opts.resolveSpec } : {}),
    });
  }
  return new SqliteStore(join(opts.dataDir, 'drover.db'), {
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
  });
}

import { join } from 'node:path';
import { SqlitePlanStore } from './SqlitePlanStore.js';
import type { PlanStore } from './types.js';

export interface OpenPlanStoreOptions {
  dataDir: string;
  redisUrl?: string;
  redisPrefix?: string;
}

/** The plans of the same backend as the jobs: the embedded database file, or Redis with the same prefix. */
export async function openPlanStore(opts: OpenPlanStoreOptions): Promise<PlanStore> {
  if (opts.redisUrl) {
    const { RedisPlanStore } = await import('./RedisPlanStore.js');
    return RedisPlanStore.connect({
      url: opts.redisUrl,
      ...(opts.redisPrefix ? { prefix: opts.redisPrefix } : {}),
    });
  }
  return new SqlitePlanStore(join(opts.dataDir, 'drover.db'));
}

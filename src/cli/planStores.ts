import { openPlanStore } from '../plans/openPlanStore.js';
import type { PlanStore } from '../plans/types.js';
import { redisSettings } from '../store/redis/redisEnv.js';
import { configFromFlags } from './configFromFlags.js';
import type { StoreFlags } from './storeOptions.js';

/** The plans of the backend the flags choose (embedded store, or Redis with its prefix). */
export async function openPlansFromFlags(flags: StoreFlags): Promise<PlanStore> {
  const config = configFromFlags(flags);
  const redisUrl = flags.redis ?? process.env.DROVER_REDIS_URL;
  const prefix = flags.redisPrefix ?? process.env.DROVER_REDIS_PREFIX;
  if (redisUrl) {
    const settings = redisSettings(redisUrl, prefix, process.env);
    return openPlanStore({ dataDir: config.dataDir, redisUrl: settings.url, redisPrefix: settings.prefix });
  }
  return openPlanStore({ dataDir: config.dataDir });
}

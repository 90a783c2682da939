import type { Command } from 'commander';
import { loadStoreSettings, type StoreSettings } from '../config/StoreSettings.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import { openStore } from '../store/openStore.js';
import type { JobStore } from '../store/types.js';

export interface StoreFlags {
  dataDir?: string;
  redis?: string;
  redisPrefix?: string;
  gitTokenEnv?: string;
}

/** --data-dir / --redis: which backend a command talks to. */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'embedded store directory (env DROVER_DATA_DIR; default ./.drover if it exists, else ~/.local/share/drover)',
    )
    .option(
      '--redis <url>',
      'use the Redis backend at this URL instead of the embedded store (env DROVER_REDIS_URL)',
    )
    .option(
      '--redis-prefix <prefix>',
      'key prefix for the Redis backend (env DROVER_REDIS_PREFIX, default none)',
    );
}

/** The store settings for a command's flags (environment + --data-dir). */
export function storeSettingsFromFlags(flags: StoreFlags): StoreSettings {
  return loadStoreSettings(process.env, flags.dataDir ? { dataDir: flags.dataDir } : {});
}

/**
 * The store a command's flags name. Commands that look at and cancel jobs need no more than this;
 * runner commands open it through `openFromFlags` with their whole configuration.
 */
export async function openStoreFromFlags(
  flags: StoreFlags,
  settings: StoreSettings = storeSettingsFromFlags(flags),
  resolveSpec?: SpecResolver,
): Promise<{ store: JobStore; settings: StoreSettings }> {
  const redisUrl = flags.redis ?? process.env.DROVER_REDIS_URL;
  const redisPrefix = flags.redisPrefix ?? process.env.DROVER_REDIS_PREFIX;
  const store = await openStore({
    dataDir: settings.dataDir,
    maxAttempts: settings.maxAttempts,
    ...(redisUrl && resolveSpec ? { resolveSpec } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    ...(redisPrefix ? { redisPrefix } : {}),
  });
  return { store, settings };
}

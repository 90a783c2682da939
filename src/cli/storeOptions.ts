import type { Command } from 'commander';
import { loadRunnerConfig, type RunnerConfig } from '../config/RunnerConfig.js';
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

/** The runner configuration for a command's flags (environment + --data-dir/--git-token-env). */
export function configFromFlags(flags: StoreFlags): RunnerConfig {
  return loadRunnerConfig(process.env, {
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.gitTokenEnv ? { gitTokenEnv: flags.gitTokenEnv } : {}),
  });
}

export async function openFromFlags(
  flags: StoreFlags,
  config: RunnerConfig = configFromFlags(flags),
): Promise<{ store: JobStore; config: RunnerConfig }> {
  const redisUrl = flags.redis ?? process.env.DROVER_REDIS_URL;
  // Only the Redis store parses producers' specs: the embedded store's commands start without it.
  const resolveSpec = redisUrl
    ? (await import('../jobs/resolveJobSpec.js')).specResolver(config.repoDefaults)
    : undefined;
  const store = await openStore({
    dataDir: config.dataDir,
    maxAttempts: config.maxAttempts,
    ...(resolveSpec ? { resolveSpec } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    ...((flags.redisPrefix ?? process.env.DROVER_REDIS_PREFIX)
      ? { redisPrefix: flags.redisPrefix ?? process.env.DROVER_REDIS_PREFIX }
      : {}),
  });
  return { store, config };
}

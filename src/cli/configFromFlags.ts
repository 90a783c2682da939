import { loadRunnerConfig, type RunnerConfig } from '../config/RunnerConfig.js';
import type { JobStore } from '../store/types.js';
import { openStoreFromFlags, type StoreFlags } from './storeOptions.js';

/** The runner configuration for a command's flags (environment + --data-dir/--git-token-env). */
export function configFromFlags(flags: StoreFlags): RunnerConfig {
  return loadRunnerConfig(process.env, {
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.gitTokenEnv ? { gitTokenEnv: flags.gitTokenEnv } : {}),
  });
}

/** The store with the runner's whole configuration: what commands that run or submit jobs open. */
export async function openFromFlags(
  flags: StoreFlags,
  config: RunnerConfig = configFromFlags(flags),
): Promise<{ store: JobStore; config: RunnerConfig }> {
  // A Redis store parses producers' specs with the runner's repo defaults.
  const resolveSpec =
    (flags.redis ?? process.env.DROVER_REDIS_URL)
      ? (await import('../jobs/resolveJobSpec.js')).specResolver(config.repoDefaults)
      : undefined;
  const { store } = await openStoreFromFlags(flags, config, resolveSpec);
  return { store, config };
}

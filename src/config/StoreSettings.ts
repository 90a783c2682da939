import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { defaultDataDir } from './dataDir.js';

/**
 * What opening the job store takes: all that `status`, `list`, `logs`, `cancel` and the like read from
 * the environment. Parsed without the full runner configuration (zod, DROVER_CONFIG, the price table),
 * so those commands start quickly and still work while an unrelated setting is being fixed.
 */
export interface StoreSettings {
  dataDir: string;
  maxAttempts: number;
}

/** DROVER_MAX_ATTEMPTS: deliveries of a job before it is failed/abandoned. */
export function parseMaxAttempts(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 100)) throw new Error(`must be a whole number from 1 to 100 (got "${text}")`);
  return n;
}

export function loadStoreSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { dataDir?: string } = {},
): StoreSettings {
  const problem = (name: string, message: string) =>
    new ConfigError(`Invalid environment: ${name}: ${message}`);
  if (env.DROVER_DATA_DIR === '') throw problem('DROVER_DATA_DIR', 'must not be empty');
  let maxAttempts = 3;
  if (env.DROVER_MAX_ATTEMPTS !== undefined) {
    try {
      maxAttempts = parseMaxAttempts(env.DROVER_MAX_ATTEMPTS);
    } catch (err) {
      throw problem('DROVER_MAX_ATTEMPTS', (err as Error).message);
    }
  }
  return {
    dataDir: resolve(overrides.dataDir ?? env.DROVER_DATA_DIR ?? defaultDataDir(env)),
    maxAttempts,
  };
}

import { z } from 'zod';
import { envDuration, parseEnv } from '../../config/envSchemas.js';
import { ConfigError } from '../../errors.js';

/** Environment of the Redis backend (URL and prefix come from --redis/--redis-prefix or their env vars). */
export const RedisEnv = z.object({
  DROVER_REDIS_CLAIM_IDLE: envDuration('60s'),
  DROVER_REDIS_OUTPUT_MAXLEN: z.coerce.number().int().min(100).max(100_000_000).default(100_000),
});
export type RedisEnv = z.infer<typeof RedisEnv>;

export interface RedisSettings {
  url: string;
  prefix: string;
  claimIdleMs: number;
  outputMaxLen: number;
}

/** Validates the URL, prefix and tuning variables, naming the flag or variable that is wrong. */
export function redisSettings(
  url: string,
  prefix: string | undefined,
  env: NodeJS.ProcessEnv,
): RedisSettings {
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new ConfigError('--redis / DROVER_REDIS_URL: must be a redis:// or rediss:// URL');
  }
  if (prefix !== undefined && !/^[\x21-\x7e]{0,64}$/.test(prefix)) {
    throw new ConfigError(
      '--redis-prefix / DROVER_REDIS_PREFIX: must be up to 64 printable characters, no spaces',
    );
  }
  const e = parseEnv(RedisEnv, env);
  return {
    url,
    prefix: prefix ?? '',
    claimIdleMs: e.DROVER_REDIS_CLAIM_IDLE,
    outputMaxLen: e.DROVER_REDIS_OUTPUT_MAXLEN,
  };
}

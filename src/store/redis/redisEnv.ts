import { z } from 'zod';
import { parseDuration } from '../../config/duration.js';
import { ConfigError } from '../../errors.js';

const duration = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseDuration(v ?? fallback);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

/** Environment of the Redis backend (URL and prefix come from --redis/--redis-prefix or their env vars). */
export const RedisEnv = z.object({
  DROVER_REDIS_CLAIM_IDLE: duration('60s'),
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
  const parsed = RedisEnv.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid environment: ${detail}`);
  }
  return {
    url,
    prefix: prefix ?? '',
    claimIdleMs: parsed.data.DROVER_REDIS_CLAIM_IDLE,
    outputMaxLen: parsed.data.DROVER_REDIS_OUTPUT_MAXLEN,
  };
}

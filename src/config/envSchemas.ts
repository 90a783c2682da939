import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseBytes } from './bytes.js';
import { parseDuration } from './duration.js';

/** A comma-separated list; blanks dropped, unset = []. */
export const csvList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** A value parsed by `parse` (unset = `fallback`); its error message becomes the variable's issue. */
export const parsedWith = (parse: (text: string) => number, fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parse(v ?? fallback);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

/** A duration (`90s`, `15m`...) in milliseconds; at most 30d, or `maxMs`. */
export const envDuration = (fallback: string, opts: { maxMs?: number } = {}) =>
  parsedWith((text) => parseDuration(text, opts), fallback);

/** A size (`500M`, `10G`...) in bytes. */
export const envBytes = (fallback: string) => parsedWith(parseBytes, fallback);

/** Parses the environment with `schema`; a bad variable is a ConfigError naming each one. */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid environment: ${detail}`);
  }
  return parsed.data;
}

/** The schema's variables from `env`, an empty value counting as unset. */
export function nonBlankEnv(schema: z.ZodObject, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) out[key] = env[key] || undefined;
  return out;
}

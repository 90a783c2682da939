import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseDuration } from './duration.js';

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
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

/** Every environment variable Drover reads, validated in one place (the README's config reference). */
export const DroverEnv = z.object({
  DROVER_DATA_DIR: z.string().default('.drover'),
  DROVER_WORK_DIR: z.string().optional(),
  DROVER_GIT_TOKEN: z.string().optional(),
  DROVER_GIT_USERNAME: z.string().default('x-access-token'),
  DROVER_GIT_AUTHOR_NAME: z.string().default('Drover'),
  DROVER_GIT_AUTHOR_EMAIL: z.string().default('drover@localhost'),
  DROVER_COMMIT_TEMPLATE: z.string().default('drover: {title} [job {id8}]'),
  DROVER_MASK_ENV: csv,
  DROVER_AGENT_ENV: csv,
  DROVER_DEFAULT_TIMEOUT: duration('30m'),
  DROVER_DEFAULT_IDLE_TIMEOUT: duration('10m'),
  DROVER_LEASE: duration('30s'),
  DROVER_KILL_GRACE: duration('5s'),
  DROVER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  DROVER_RUNNER_ID: z.string().optional(),
  DROVER_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
});
export type DroverEnv = z.infer<typeof DroverEnv>;

export interface RunnerConfig {
  dataDir: string;
  workDir: string | undefined;
  /** The git token's value (read from DROVER_GIT_TOKEN or the variable named by --git-token-env). */
  gitToken: string | undefined;
  gitUsername: string;
  authorName: string;
  authorEmail: string;
  commitTemplate: string;
  /** Extra values to mask everywhere (from the variables named in DROVER_MASK_ENV). */
  maskValues: string[];
  /** Extra variables of the runner's environment passed to agents. */
  agentEnvKeys: string[];
  defaultTimeoutMs: number;
  defaultIdleTimeoutMs: number;
  leaseMs: number;
  killGraceMs: number;
  maxAttempts: number;
  runnerId: string;
  hostEnv: NodeJS.ProcessEnv;
}

export function loadRunnerConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { dataDir?: string; gitTokenEnv?: string } = {},
): RunnerConfig {
  const parsed = DroverEnv.safeParse(env);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid environment: ${detail}`);
  }
  const e = parsed.data;
  const tokenVar = overrides.gitTokenEnv ?? 'DROVER_GIT_TOKEN';
  if (overrides.gitTokenEnv && env[tokenVar] === undefined) {
    throw new ConfigError(`--git-token-env: environment variable ${tokenVar} is not set`);
  }
  return {
    dataDir: resolve(overrides.dataDir ?? e.DROVER_DATA_DIR),
    workDir: e.DROVER_WORK_DIR,
    gitToken: env[tokenVar] || undefined,
    gitUsername: e.DROVER_GIT_USERNAME,
    authorName: e.DROVER_GIT_AUTHOR_NAME,
    authorEmail: e.DROVER_GIT_AUTHOR_EMAIL,
    commitTemplate: e.DROVER_COMMIT_TEMPLATE,
    maskValues: e.DROVER_MASK_ENV.map((name) => env[name]).filter((v): v is string => !!v),
    agentEnvKeys: e.DROVER_AGENT_ENV,
    defaultTimeoutMs: e.DROVER_DEFAULT_TIMEOUT,
    defaultIdleTimeoutMs: e.DROVER_DEFAULT_IDLE_TIMEOUT,
    leaseMs: e.DROVER_LEASE,
    killGraceMs: e.DROVER_KILL_GRACE,
    maxAttempts: e.DROVER_MAX_ATTEMPTS,
    runnerId: e.DROVER_RUNNER_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    hostEnv: env,
  };
}

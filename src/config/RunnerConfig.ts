import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type DroverFileConfig, loadDroverFileConfig } from '../environments/EnvironmentConfig.js';
import { ConfigError } from '../errors.js';
import type { SandboxMode } from '../jobs/JobSpec.js';
import type { LocalRepoPolicy } from '../jobs/localRepoAccess.js';
import type { RepoDefaults } from '../jobs/RepoDefaults.js';
import { loadPriceTable, type PriceTable } from '../runner/guards/prices.js';
import { defaultWorkRoot } from '../workspace/Workspace.js';
import { csvList, envBytes, envDuration, parsedWith, parseEnv } from './envSchemas.js';
import { loadStoreSettings, parseMaxAttempts } from './StoreSettings.js';

/** Every environment variable Drover reads, validated in one place (the README's config reference). */
export const DroverEnv = z.object({
  DROVER_DATA_DIR: z.string().min(1).optional(),
  DROVER_WORK_DIR: z.string().optional(),
  DROVER_GIT_TOKEN: z.string().optional(),
  DROVER_GIT_USERNAME: z.string().default('x-access-token'),
  DROVER_GIT_AUTHOR_NAME: z.string().default('Drover'),
  DROVER_GIT_AUTHOR_EMAIL: z.string().default('drover@localhost'),
  DROVER_COMMIT_TEMPLATE: z.string().default('drover: {title} [job {id8}]'),
  DROVER_MASK_ENV: csvList,
  DROVER_AGENT_ENV: csvList,
  DROVER_DEFAULT_TIMEOUT: envDuration('30m'),
  DROVER_DEFAULT_IDLE_TIMEOUT: envDuration('10m'),
  DROVER_LEASE: envDuration('30s'),
  DROVER_KILL_GRACE: envDuration('5s'),
  DROVER_MAX_ATTEMPTS: parsedWith(parseMaxAttempts, '3'),
  DROVER_RUNNER_ID: z.string().optional(),
  DROVER_CACHE: z.enum(['on', 'off']).default('on'),
  DROVER_CACHE_SPARE: z.enum(['on', 'off']).default('off'),
  DROVER_CACHE_MAX_BYTES: envBytes('10G'),
  DROVER_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
  // Console logs: pretty lines on a terminal, JSON otherwise (--log-format sets it for one command).
  DROVER_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).optional(),
  // Agents, guards, sandbox, environments.
  DROVER_CONFIG: z.string().min(1).optional(),
  DROVER_PRICES_FILE: z.string().min(1).optional(),
  DROVER_SANDBOX: z.enum(['auto', 'none', 'workspace-write', 'read-only']).default('auto'),
  DROVER_BWRAP: z.string().min(1).optional(),
  DROVER_CODEX_BASE_URL: z.url().optional(),
  DROVER_CODEX_ENV_KEY: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  DROVER_CODEX_MODEL: z.string().min(1).optional(),
  // Model gateway (src/gateway): on by default in every runner process.
  DROVER_GATEWAY: z.enum(['on', 'off']).default('on'),
  DROVER_GATEWAY_MAX_BODY: envBytes('32M'),
  DROVER_RECORD_MODEL_BODIES: z.enum(['0', '1']).default('0'),
  // Local repositories (paths, file:// URLs) any submitter may name: directories, comma-separated.
  DROVER_ALLOW_LOCAL_REPOS: csvList,
  // How often worker/serve remove workspaces of runner processes that are gone.
  DROVER_SWEEP_INTERVAL: envDuration('5m', { maxMs: 86_400_000 }),
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
  /** Per-repo mirror cache for workspaces (absent = off). */
  cache?: { enabled: boolean; dir: string; maxBytes: number; spare?: boolean };
  /** Named environments from DROVER_CONFIG (absent: no config file). */
  fileConfig?: DroverFileConfig;
  /** Model prices for the cost budget (built-in table + DROVER_PRICES_FILE). */
  prices?: PriceTable;
  /** Default sandbox when a job does not choose one (auto: workspace-write when bubblewrap works). */
  sandboxDefault?: 'auto' | SandboxMode;
  /** DROVER_CONFIG `repos:`: job spec defaults per repository, for every intake. */
  repoDefaults: RepoDefaults[];
  /** Which local repositories jobs may clone (DROVER_ALLOW_LOCAL_REPOS; never the data or work dir). */
  localRepos: LocalRepoPolicy;
  /** How often a long-running runner sweeps the work dir for workspaces of dead runners. */
  sweepIntervalMs: number;
}

export function loadRunnerConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { dataDir?: string; gitTokenEnv?: string } = {},
): RunnerConfig {
  const e = parseEnv(DroverEnv, env);
  const tokenVar = overrides.gitTokenEnv ?? 'DROVER_GIT_TOKEN';
  if (overrides.gitTokenEnv && env[tokenVar] === undefined) {
    throw new ConfigError(`--git-token-env: environment variable ${tokenVar} is not set`);
  }
  const fileConfig = e.DROVER_CONFIG ? loadDroverFileConfig(e.DROVER_CONFIG) : undefined;
  const { dataDir, maxAttempts } = loadStoreSettings(env, overrides);
  return {
    dataDir,
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
    maxAttempts,
    runnerId: e.DROVER_RUNNER_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    hostEnv: env,
    cache: {
      enabled: e.DROVER_CACHE === 'on',
      dir: join(dataDir, 'cache'),
      maxBytes: e.DROVER_CACHE_MAX_BYTES,
      spare: e.DROVER_CACHE_SPARE === 'on',
    },
    ...(fileConfig ? { fileConfig } : {}),
    repoDefaults: fileConfig?.repos ?? [],
    sweepIntervalMs: e.DROVER_SWEEP_INTERVAL,
    localRepos: {
      allowed: e.DROVER_ALLOW_LOCAL_REPOS.map((dir) => resolve(dir)),
      forbidden: [dataDir, resolve(e.DROVER_WORK_DIR || defaultWorkRoot())],
    },
    prices: loadPriceTable(e.DROVER_PRICES_FILE),
    sandboxDefault: e.DROVER_SANDBOX,
  };
}

import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { Masker } from '../secrets/Masker.js';
import type { JobStore } from '../store/types.js';
import { type ForgeConfig, forgeSecrets, loadForgeConfig } from './ForgeConfig.js';
import type { ForgeDeps } from './ForgeDeps.js';
import { ForgeReporter, type ReporterOptions } from './ForgeReporter.js';
import { GitHubApi } from './github/GitHubApi.js';
import { GitHubAppTokens } from './github/GitHubAppTokens.js';
import { GitLabApi } from './gitlab/GitLabApi.js';
import { SqliteForgeState } from './state/SqliteForgeState.js';
import type { ForgeApi, ForgeName, ForgeState } from './types.js';
import { webhookRoutes } from './webhookRoutes.js';

export interface ForgeRuntime {
  /** Registers POST /webhooks/github and /webhooks/gitlab (503 for a forge that is not configured). */
  routes: FastifyPluginAsync;
  /** Forges taking webhooks, e.g. ['github']. */
  enabled: ForgeName[];
  /** Starts the reporter (after the server listens). */
  start(): void;
  /** Stops the reporter and closes the forge state. */
  close(): Promise<void>;
}

export interface StartForgeOptions {
  store: JobStore;
  config: RunnerConfig;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** The Redis backend's URL and prefix (the forge state lives next to the jobs). */
  redis?: { url: string; prefix: string };
  reporter?: ReporterOptions;
}

/**
 * The forge intake of `drover serve`: config from the environment (a ConfigError names what is
 * wrong), the forge state on the same backend as the jobs, one API adapter per forge with
 * credentials, the webhook routes and the reporter.
 */
export async function startForge(opts: StartForgeOptions): Promise<ForgeRuntime> {
  const config = loadForgeConfig(opts.env);
  const enabled: ForgeName[] = [
    ...(config.githubSecret ? (['github'] as const) : []),
    ...(config.gitlabSecret ? (['gitlab'] as const) : []),
  ];
  const logger = opts.logger.child({ component: 'forge' });
  if (enabled.length === 0) {
    // Routes only, answering that nothing is configured; no state is opened.
    const routes = webhookRoutes(undefined);
    return { routes, enabled, start() {}, async close() {} };
  }
  const state = await openForgeState(opts);
  let reporter: ForgeReporter | undefined;
  const deps: ForgeDeps = {
    store: opts.store,
    state,
    apis: forgeApis(config),
    config,
    repoDefaults: opts.config.repoDefaults,
    resolveSpec: specResolver(opts.config.repoDefaults),
    logger,
    masker: new Masker(forgeSecrets(config)),
    wake: () => reporter?.wake(),
  };
  reporter = new ForgeReporter(deps, opts.reporter);
  return {
    routes: webhookRoutes(deps),
    enabled,
    start: () => reporter.start(),
    async close() {
      await reporter.stop();
      await state.close();
    },
  };
}

function forgeApis(config: ForgeConfig): Partial<Record<ForgeName, ForgeApi>> {
  const apis: Partial<Record<ForgeName, ForgeApi>> = {};
  if (config.githubApp) {
    apis.github = new GitHubApi({
      baseUrl: config.githubApiUrl,
      app: new GitHubAppTokens(config.githubApp, config.githubApiUrl),
    });
  } else if (config.githubToken) {
    apis.github = new GitHubApi({ baseUrl: config.githubApiUrl, token: config.githubToken });
  }
  if (config.gitlabToken)
    apis.gitlab = new GitLabApi({ apiUrl: config.gitlabApiUrl, token: config.gitlabToken });
  return apis;
}

async function openForgeState(opts: StartForgeOptions): Promise<ForgeState> {
  if (opts.store.kind === 'redis' && opts.redis) {
    const { RedisForgeState } = await import('./state/RedisForgeState.js');
    return RedisForgeState.connect(opts.redis.url, opts.redis.prefix, opts.logger);
  }
  return new SqliteForgeState(join(opts.config.dataDir, 'forge.db'));
}

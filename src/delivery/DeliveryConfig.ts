import { z } from 'zod';
import { openArtifactStore } from '../artifacts/openArtifactStore.js';
import { nonBlankEnv, parseEnv } from '../config/envSchemas.js';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import { InvalidInputError } from '../errors.js';

/**
 * Runner configuration for delivery: forge API endpoints and tokens, and the public URL for job
 * links. These are the operator's (like the git token), not the job's: a job spec never chooses
 * where its PR is sent or with which credentials.
 */
export interface DeliveryConfig {
  githubApiUrl?: string;
  githubToken?: string;
  gitlabApiUrl?: string;
  gitlabToken?: string;
  /** Base URL of Drover's dashboard/API; job links in PR bodies are `<publicUrl>/jobs/<id>`. */
  publicUrl?: string;
}

const HttpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

export const DeliveryEnv = z.object({
  DROVER_GITHUB_API_URL: HttpUrl.optional(),
  DROVER_GITHUB_TOKEN: z.string().optional(),
  DROVER_GITLAB_API_URL: HttpUrl.optional(),
  DROVER_GITLAB_TOKEN: z.string().optional(),
  DROVER_PUBLIC_URL: HttpUrl.optional(),
});

/** Reads the delivery variables; a malformed one is a ConfigError naming it. */
export function loadDeliveryConfig(env: NodeJS.ProcessEnv): DeliveryConfig {
  const e = parseEnv(DeliveryEnv, nonBlankEnv(DeliveryEnv, env));
  return {
    ...(e.DROVER_GITHUB_API_URL ? { githubApiUrl: e.DROVER_GITHUB_API_URL } : {}),
    ...(e.DROVER_GITHUB_TOKEN ? { githubToken: e.DROVER_GITHUB_TOKEN } : {}),
    ...(e.DROVER_GITLAB_API_URL ? { gitlabApiUrl: e.DROVER_GITLAB_API_URL } : {}),
    ...(e.DROVER_GITLAB_TOKEN ? { gitlabToken: e.DROVER_GITLAB_TOKEN } : {}),
    ...(e.DROVER_PUBLIC_URL ? { publicUrl: e.DROVER_PUBLIC_URL } : {}),
  };
}

export interface DeliveryFlags {
  githubApiUrl?: string;
  gitlabApiUrl?: string;
}

/**
 * `--github-api-url` / `--gitlab-api-url` as environment overrides (a flag wins over its variable),
 * validated together with the rest of the delivery environment so a typo fails before any job runs.
 */
export function deliveryEnvFromFlags(
  flags: DeliveryFlags,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [flag, value, name] of [
    ['--github-api-url', flags.githubApiUrl, 'DROVER_GITHUB_API_URL'],
    ['--gitlab-api-url', flags.gitlabApiUrl, 'DROVER_GITLAB_API_URL'],
  ] as const) {
    if (value === undefined) continue;
    const ok = HttpUrl.safeParse(value);
    if (!ok.success) {
      const message = ok.error.issues[0]?.message ?? 'must be an http(s) URL';
      throw new InvalidInputError(`${flag}: ${message}`, [{ path: flag, message }]);
    }
    overrides[name] = ok.data;
  }
  loadDeliveryConfig({ ...env, ...overrides });
  openArtifactStore(env, '.'); // validates DROVER_ARTIFACT_STORE and the S3 settings
  return overrides;
}

/** The runner config with delivery overrides applied to the environment it reads. */
export function withDeliveryEnv(config: RunnerConfig, overrides: Record<string, string>): RunnerConfig {
  return Object.keys(overrides).length ? { ...config, hostEnv: { ...config.hostEnv, ...overrides } } : config;
}

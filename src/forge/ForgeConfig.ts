import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { csvList, envBytes, nonBlankEnv, parseEnv } from '../config/envSchemas.js';
import { loadDeliveryConfig } from '../delivery/DeliveryConfig.js';
import { gitlabApiRoot } from '../delivery/gitlab/GitLabProvider.js';
import { ConfigError } from '../errors.js';
import { checkTemplate, DEFAULT_PROMPT_TEMPLATE } from './promptTemplate.js';

const Secret = z.string().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)');

/** The forge intake's variables (API URLs, tokens and DROVER_PUBLIC_URL are the delivery's). */
const ForgeEnv = z.object({
  DROVER_GITHUB_WEBHOOK_SECRET: Secret.optional(),
  DROVER_GITLAB_WEBHOOK_SECRET: Secret.optional(),
  DROVER_GITHUB_APP_ID: z
    .string()
    .regex(/^\d{1,20}$/, 'must be the numeric App ID')
    .optional(),
  DROVER_GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  DROVER_GITHUB_APP_PRIVATE_KEY_FILE: z.string().optional(),
  DROVER_MENTION: z
    .string()
    .regex(/^@[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be an @name, e.g. @drover')
    .default('@drover'),
  DROVER_LABEL: z.string().trim().min(1).max(100).default('drover'),
  DROVER_FORGE_ALLOW_USERS: csvList,
  DROVER_FORGE_PROMPT_TEMPLATE: z.string().optional(),
  DROVER_WEBHOOK_MAX_BYTES: envBytes('5M'),
});

export interface GitHubAppCredentials {
  appId: string;
  privateKey: string;
}

/** What mints or holds forge credentials: the serve process and every worker need it. */
export interface ForgeCredentials {
  githubApiUrl: string;
  githubApp?: GitHubAppCredentials;
  githubToken?: string;
  /** The instance's REST root, ending in /api/v4. */
  gitlabApiUrl: string;
  gitlabToken?: string;
}

export interface ForgeConfig extends ForgeCredentials {
  githubSecret?: string;
  gitlabSecret?: string;
  mention: string;
  label: string;
  /** Logins allowed to trigger without a permission lookup: `alice` (any forge), `github:alice`. */
  allowUsers: string[];
  promptTemplate: string;
  publicUrl?: string;
  webhookMaxBytes: number;
}

/** Credentials only (workers): a malformed variable is a ConfigError naming it. */
export function loadForgeCredentials(env: NodeJS.ProcessEnv): ForgeCredentials {
  const e = parseEnv(ForgeEnv, nonBlankEnv(ForgeEnv, env));
  const delivery = loadDeliveryConfig(env);
  const app = githubApp(
    e.DROVER_GITHUB_APP_ID,
    e.DROVER_GITHUB_APP_PRIVATE_KEY,
    e.DROVER_GITHUB_APP_PRIVATE_KEY_FILE,
  );
  return {
    githubApiUrl: delivery.githubApiUrl ?? 'https://api.github.com',
    ...(app ? { githubApp: app } : {}),
    ...(delivery.githubToken ? { githubToken: delivery.githubToken } : {}),
    gitlabApiUrl: gitlabApiRoot(delivery.gitlabApiUrl ?? 'https://gitlab.com'),
    ...(delivery.gitlabToken ? { gitlabToken: delivery.gitlabToken } : {}),
  };
}

/**
 * Everything `drover serve` needs to take webhooks. A forge whose secret is set must also have
 * credentials (an App or a token for GitHub, a token for GitLab); one without a secret stays off.
 */
export function loadForgeConfig(env: NodeJS.ProcessEnv): ForgeConfig {
  const e = parseEnv(ForgeEnv, nonBlankEnv(ForgeEnv, env));
  const creds = loadForgeCredentials(env);
  const delivery = loadDeliveryConfig(env);
  if (e.DROVER_GITHUB_WEBHOOK_SECRET && !creds.githubApp && !creds.githubToken) {
    throw new ConfigError(
      'DROVER_GITHUB_WEBHOOK_SECRET is set but Drover has no GitHub credentials: set DROVER_GITHUB_APP_ID and ' +
        'DROVER_GITHUB_APP_PRIVATE_KEY (or _FILE), or DROVER_GITHUB_TOKEN',
    );
  }
  if (e.DROVER_GITLAB_WEBHOOK_SECRET && !creds.gitlabToken) {
    throw new ConfigError('DROVER_GITLAB_WEBHOOK_SECRET is set but DROVER_GITLAB_TOKEN is not');
  }
  let promptTemplate = DEFAULT_PROMPT_TEMPLATE;
  if (e.DROVER_FORGE_PROMPT_TEMPLATE) {
    try {
      promptTemplate = readFileSync(e.DROVER_FORGE_PROMPT_TEMPLATE, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `DROVER_FORGE_PROMPT_TEMPLATE: cannot read ${e.DROVER_FORGE_PROMPT_TEMPLATE} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    const problem = checkTemplate(promptTemplate);
    if (problem)
      throw new ConfigError(`DROVER_FORGE_PROMPT_TEMPLATE ${e.DROVER_FORGE_PROMPT_TEMPLATE}: ${problem}`);
  }
  return {
    ...creds,
    ...(e.DROVER_GITHUB_WEBHOOK_SECRET ? { githubSecret: e.DROVER_GITHUB_WEBHOOK_SECRET } : {}),
    ...(e.DROVER_GITLAB_WEBHOOK_SECRET ? { gitlabSecret: e.DROVER_GITLAB_WEBHOOK_SECRET } : {}),
    mention: e.DROVER_MENTION,
    label: e.DROVER_LABEL,
    allowUsers: e.DROVER_FORGE_ALLOW_USERS.map((u) => u.toLowerCase()),
    promptTemplate,
    ...(delivery.publicUrl ? { publicUrl: delivery.publicUrl } : {}),
    webhookMaxBytes: e.DROVER_WEBHOOK_MAX_BYTES,
  };
}

/** Every secret of the config, for masking. */
export function forgeSecrets(config: ForgeCredentials & Partial<ForgeConfig>): string[] {
  return [config.githubToken, config.gitlabToken, config.githubSecret, config.gitlabSecret].filter(
    (s): s is string => !!s,
  );
}

function githubApp(
  appId: string | undefined,
  inline: string | undefined,
  file: string | undefined,
): GitHubAppCredentials | undefined {
  if (inline && file) {
    throw new ConfigError(
      'Set DROVER_GITHUB_APP_PRIVATE_KEY or DROVER_GITHUB_APP_PRIVATE_KEY_FILE, not both',
    );
  }
  let key = inline;
  if (file) {
    try {
      key = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `DROVER_GITHUB_APP_PRIVATE_KEY_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
  }
  if (!appId && !key) return undefined;
  if (!appId) throw new ConfigError('DROVER_GITHUB_APP_PRIVATE_KEY is set but DROVER_GITHUB_APP_ID is not');
  if (!key) {
    throw new ConfigError('DROVER_GITHUB_APP_ID is set but DROVER_GITHUB_APP_PRIVATE_KEY (or _FILE) is not');
  }
  // Keys pasted into one-line variables often carry literal \n: GitHub's own tooling accepts them too.
  const privateKey = key.replace(/\\n/g, '\n').trim();
  try {
    createPrivateKey(privateKey);
  } catch {
    // Never echo the value: it is the App's private key.
    throw new ConfigError(
      'DROVER_GITHUB_APP_PRIVATE_KEY: is not a PEM private key (the .pem file GitHub gave you)',
    );
  }
  return { appId, privateKey };
}

import { z } from 'zod';
import { parseEnv } from '../config/envSchemas.js';
import { DroverEnv } from '../config/RunnerConfig.js';
import type { ModelWireName } from '../pipeline/ModelAccess.js';
import { loadPriceTable, type PriceTable } from '../runner/guards/prices.js';

/** Where one dialect's calls go, and the runner's own credential for it. */
export interface Upstream {
  /** Without a trailing slash; OpenAI's includes `/v1`, as OPENAI_BASE_URL does. */
  baseUrl: string;
  /** The base URL was set by the operator (a local or self-hosted endpoint may need no key). */
  custom: boolean;
  /** The key header and value, from the runner's environment; absent when none is configured. */
  auth?: [string, string];
  /** Which variable the key came from, for messages. */
  keyVar?: string;
}

export interface GatewayConfig {
  upstreams: Record<ModelWireName, Upstream>;
  maxBodyBytes: number;
  recordBodies: boolean;
  prices: PriceTable;
  proxy: { httpProxy?: string; httpsProxy?: string; noProxy?: string };
}

const DEFAULT_BASE: Record<ModelWireName, string> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com/v1',
  gemini: 'https://generativelanguage.googleapis.com',
};

const Url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const ProviderEnv = z.object({
  ANTHROPIC_BASE_URL: Url.optional(),
  OPENAI_BASE_URL: Url.optional(),
  DROVER_CODEX_BASE_URL: Url.optional(),
  GOOGLE_GEMINI_BASE_URL: Url.optional(),
});

/** The gateway's settings from the runner's environment (the variables the agents used to read). */
export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const drover = parseEnv(DroverEnv, env);
  const providers = parseEnv(ProviderEnv, blankless(env, Object.keys(ProviderEnv.shape)));
  const keyVar = drover.DROVER_CODEX_ENV_KEY ?? 'OPENAI_API_KEY';
  const upstream = (
    wire: ModelWireName,
    base: string | undefined,
    key: [string, string, string] | undefined,
  ): Upstream => ({
    baseUrl: (base ?? DEFAULT_BASE[wire]).replace(/\/+$/, ''),
    custom: base !== undefined,
    ...(key ? { keyVar: key[0], auth: [key[1], key[2]] as [string, string] } : {}),
  });
  const anthropicKey: [string, string, string] | undefined = env.ANTHROPIC_API_KEY
    ? ['ANTHROPIC_API_KEY', 'x-api-key', env.ANTHROPIC_API_KEY]
    : env.ANTHROPIC_AUTH_TOKEN
      ? ['ANTHROPIC_AUTH_TOKEN', 'authorization', `Bearer ${env.ANTHROPIC_AUTH_TOKEN}`]
      : undefined;
  const openaiKey = env[keyVar];
  const geminiVar = env.GEMINI_API_KEY ? 'GEMINI_API_KEY' : env.GOOGLE_API_KEY ? 'GOOGLE_API_KEY' : undefined;
  return {
    upstreams: {
      anthropic: upstream('anthropic', providers.ANTHROPIC_BASE_URL, anthropicKey),
      openai: upstream(
        'openai',
        providers.DROVER_CODEX_BASE_URL ?? providers.OPENAI_BASE_URL,
        openaiKey ? [keyVar, 'authorization', `Bearer ${openaiKey}`] : undefined,
      ),
      gemini: upstream(
        'gemini',
        providers.GOOGLE_GEMINI_BASE_URL,
        geminiVar ? [geminiVar, 'x-goog-api-key', env[geminiVar]!] : undefined,
      ),
    },
    maxBodyBytes: drover.DROVER_GATEWAY_MAX_BODY,
    recordBodies: drover.DROVER_RECORD_MODEL_BODIES === '1',
    prices: loadPriceTable(drover.DROVER_PRICES_FILE),
    proxy: {
      ...optional('httpProxy', env.HTTP_PROXY ?? env.http_proxy),
      ...optional('httpsProxy', env.HTTPS_PROXY ?? env.https_proxy),
      ...optional('noProxy', env.NO_PROXY ?? env.no_proxy),
    },
  };
}

/** The secret part of an upstream's auth header (what must never reach the agent). */
export function secretOf(auth: [string, string] | undefined): string | undefined {
  if (!auth) return undefined;
  return auth[1].startsWith('Bearer ') ? auth[1].slice(7) : auth[1];
}

function blankless(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, env[k] || undefined]));
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

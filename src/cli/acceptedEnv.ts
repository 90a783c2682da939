import { CLAUDE_ENV_KEYS } from '../agents/ClaudeAgent.js';
import { CODEX_ENV_KEYS } from '../agents/CodexAgent.js';
import { GEMINI_ENV_KEYS } from '../agents/GeminiAgent.js';
import { ArtifactEnv } from '../artifacts/openArtifactStore.js';
import { CallbackEnv } from '../callbacks/CallbackConfig.js';
import { DroverEnv } from '../config/RunnerConfig.js';
import { DeliveryEnv } from '../delivery/DeliveryConfig.js';
import { RedisEnv } from '../store/redis/redisEnv.js';
import { TaskRunnerEnv } from '../taskrunner/TaskRunnerSettings.js';

/** Variables the commands read directly (flag defaults, token lists), outside the schemas. */
const COMMAND_ENV = [
  'DROVER_REDIS_URL',
  'DROVER_REDIS_PREFIX',
  'DROVER_HOST',
  'DROVER_PORT',
  'DROVER_API_TOKENS',
  'DROVER_API_TOKEN_FILE',
  'DROVER_API_RATE_LIMIT',
  'DROVER_SECRET_KEY',
  'CLAUDE_BIN',
  'CODEX_BIN',
  'GEMINI_BIN',
  // Codex's key, by default (DROVER_CODEX_ENV_KEY names another).
  'OPENAI_API_KEY',
];

/** The process's ordinary variables Drover and the agents it starts rely on. */
const PROCESS_ENV = [
  'PATH',
  'HOME',
  'TMPDIR',
  'TZ',
  'LANG',
  'LC_ALL',
  'NO_COLOR',
  'NODE_ENV',
  'NODE_OPTIONS',
];

/**
 * Every environment variable name Drover reads, from the schemas that validate them and the agents'
 * pass-through lists: deployment manifests are checked against it (a misspelt name is silently unset).
 */
export function acceptedEnvNames(): Set<string> {
  const schemas = [DroverEnv, DeliveryEnv, ArtifactEnv, RedisEnv, CallbackEnv, TaskRunnerEnv];
  return new Set([
    ...schemas.flatMap((schema) => Object.keys(schema.shape)),
    ...COMMAND_ENV,
    ...CLAUDE_ENV_KEYS,
    ...CODEX_ENV_KEYS,
    ...GEMINI_ENV_KEYS,
    ...PROCESS_ENV,
  ]);
}

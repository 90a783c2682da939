import { CredentialsError } from '../errors.js';
import { MODEL_WIRES, type ModelWireName } from '../pipeline/ModelAccess.js';
import type { RedisStore } from '../store/RedisStore.js';
import type { JobStore } from '../store/types.js';
import { openToken, parseSecretKey } from './tokenVault.js';

export type UserModelKeyResolver = (userId: string) => Promise<Partial<Record<ModelWireName, string>>>;

/**
 * For the model gateway (Redis backend): a job whose spec names `userId` calls the model with that
 * user's own keys where they are stored (`user:{userId}:model_key:{provider}`, sealed with
 * DROVER_SECRET_KEY), and with the runner's keys for the other providers. Nothing for the embedded store.
 */
export function userModelKeysOption(
  store: JobStore,
  env: NodeJS.ProcessEnv = process.env,
): { userKeys?: UserModelKeyResolver } {
  if (store.kind !== 'redis') return {};
  const redis = store as RedisStore;
  const key = env.DROVER_SECRET_KEY ? parseSecretKey(env.DROVER_SECRET_KEY) : undefined;
  return {
    userKeys: async (userId) => {
      const sealed = await redis.getUserModelKeys(userId, MODEL_WIRES);
      const keys: Partial<Record<ModelWireName, string>> = {};
      MODEL_WIRES.forEach((provider, i) => {
        const value = sealed[i];
        if (!value) return;
        if (!key) {
          throw new CredentialsError(
            `User ${userId} has a stored ${provider} key, but DROVER_SECRET_KEY is not set on this runner.`,
          );
        }
        try {
          keys[provider] = openToken(key, value);
        } catch (err) {
          throw new CredentialsError(`The ${provider} key of user ${userId}: ${(err as Error).message}`, {
            cause: err,
          });
        }
      });
      return keys;
    },
  };
}

import type { RunnerConfig } from '../config/RunnerConfig.js';
import { CredentialsError } from '../errors.js';
import type { ExecuteDeps } from '../runner/executeLease.js';
import type { RedisStore } from '../store/RedisStore.js';
import type { JobStore } from '../store/types.js';
import { openToken, parseSecretKey } from './tokenVault.js';

/**
 * Runner option for the Redis backend: a job whose spec names `userId` uses that user's token from
 * `user:{userId}:git_token`, decrypted with DROVER_SECRET_KEY just for this job (executeLease masks it
 * and hands it to git only); other jobs use the runner's own token. Nothing for the embedded store.
 * A set but malformed key fails here, at start; a missing key only fails the jobs that need it.
 */
export function userGitTokenOption(
  store: JobStore,
  config: RunnerConfig,
  env: NodeJS.ProcessEnv = process.env,
): { resolveGitToken?: ExecuteDeps['resolveGitToken'] } {
  // By kind, not instanceof: the embedded store's commands never load the Redis client.
  if (store.kind !== 'redis') return {};
  const redis = store as RedisStore;
  const key = env.DROVER_SECRET_KEY ? parseSecretKey(env.DROVER_SECRET_KEY) : undefined;
  return {
    resolveGitToken: async ({ userId }) => {
      if (!userId) return config.gitToken;
      if (!key) {
        throw new CredentialsError(
          `The job runs as user ${userId}, but DROVER_SECRET_KEY is not set on runner ${config.runnerId}.`,
        );
      }
      const sealed = await redis.getUserGitToken(userId);
      if (!sealed) {
        throw new CredentialsError(
          `No git token is stored for user ${userId} (set one with: drover secrets set-git-token --user ${userId}).`,
        );
      }
      try {
        return openToken(key, sealed);
      } catch (err) {
        throw new CredentialsError(`Git token of user ${userId}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

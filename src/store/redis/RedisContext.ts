import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SpecResolver } from '../../jobs/resolveJobSpec.js';
import type { PendingPatches } from './PendingPatches.js';
import type { RedisKeys } from './redisKeys.js';

/** What the RedisStore's parts (claimer, leases) share: one command connection and the settings. */
export interface RedisContext {
  client: Redis;
  keys: RedisKeys;
  logger: Logger;
  /** Deliveries of one entry above which the job is failed/abandoned (DROVER_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** An entry pending this long without a heartbeat belongs to a dead worker (DROVER_REDIS_CLAIM_IDLE). */
  claimIdleMs: number;
  /** MAXLEN of each job's output stream (DROVER_REDIS_OUTPUT_MAXLEN). */
  outputMaxLen: number;
  /** How long final writes (status, release) are retried while Redis is unreachable. */
  writeRetryMs: number;
  patches: PendingPatches;
  /** Parses producers' payloads, laying the runner's repo defaults under them. */
  resolveSpec: SpecResolver;
  /** Stream entries this process is running now: never taken over by its own claim loops. */
  active: Set<string>;
  /** Lease token of each job this process runs (or ran and lost): its output writes are fenced by it. */
  leaseTokens: Map<string, string>;
}

import type { JobStatus } from '../../jobs/JobStatus.js';

/** The consumer group every Drover worker joins (a name, not a key: the prefix does not apply). */
export const CONSUMER_GROUP = 'jobs:stream:runners';

/**
 * Every Redis key the backend touches, with the configured prefix prepended verbatim
 * (`--redis-prefix drover:` → `drover:jobs:stream`). These names are a public contract: producers
 * and dashboards read and write them directly.
 */
export class RedisKeys {
  constructor(readonly prefix = '') {}

  /** The work queue: entries `id` (+ optional `payload`). */
  get stream(): string {
    return `${this.prefix}jobs:stream`;
  }

  /** Entries that could not be run (no/invalid id, bad payload, too many deliveries), with a reason. */
  get dead(): string {
    return `${this.prefix}jobs:stream:dead`;
  }

  /** Sorted set (all scores 0, ordered by id) of every job a Drover process has seen. */
  get index(): string {
    return `${this.prefix}jobs:index`;
  }

  /** Sorted set of runner ids scored by when their heartbeat key expires. */
  get runners(): string {
    return `${this.prefix}runners`;
  }

  job(id: string): string {
    return `${this.prefix}job:${id}`;
  }

  output(id: string): string {
    return `${this.prefix}job:${id}:output`;
  }

  /** Sorted set (scores 0, ordered by id) of the jobs in one status. */
  status(status: JobStatus): string {
    return `${this.prefix}jobs:status:${status}`;
  }

  runner(id: string): string {
    return `${this.prefix}runner:${id}`;
  }

  userGitToken(userId: string): string {
    return `${this.prefix}user:${userId}:git_token`;
  }

  /** A user's model API key for one provider (anthropic, openai, gemini), encrypted like the git token. */
  userModelKey(userId: string, provider: string): string {
    return `${this.prefix}user:${userId}:model_key:${provider}`;
  }
}

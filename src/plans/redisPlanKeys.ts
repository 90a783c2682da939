/**
 * The Redis keys of plans (a public contract, like the job keys), with the backend's prefix:
 * `plans:index` (sorted set of names), `plan:{name}` (hash: doc, version, createdAt, updatedAt),
 * `plan:{name}:runs` (hash: job id → run JSON), `plan:{name}:events` (stream, ids `<seq>-0`),
 * `plan:{name}:lease` (string: the orchestrator's holder JSON, with a TTL).
 */
export class RedisPlanKeys {
  constructor(readonly prefix = '') {}

  get index(): string {
    return `${this.prefix}plans:index`;
  }

  plan(name: string): string {
    return `${this.prefix}plan:${name}`;
  }

  runs(name: string): string {
    return `${this.prefix}plan:${name}:runs`;
  }

  events(name: string): string {
    return `${this.prefix}plan:${name}:events`;
  }

  lease(name: string): string {
    return `${this.prefix}plan:${name}:lease`;
  }
}

import type { JobSpec } from './JobSpec.js';
import { matchRepo } from './matchRepo.js';
import { parseJobSpec } from './parseJobSpec.js';
import type { RepoDefaults } from './RepoDefaults.js';

/** Parses a job spec from any intake after laying the matching repo defaults under it. */
export type SpecResolver = (input: unknown) => JobSpec;

/**
 * Every `repos:` entry whose pattern matches the job's repo applies, in order (a later entry wins
 * over an earlier one); the fields the job gives itself win over all of them. Then the usual
 * validation runs on the result, so errors name fields exactly as for any job spec.
 */
export function resolveJobSpec(input: unknown, repos: readonly RepoDefaults[] = []): JobSpec {
  return parseJobSpec(withRepoDefaults(input, repos));
}

export function specResolver(repos: readonly RepoDefaults[] = []): SpecResolver {
  return (input) => resolveJobSpec(input, repos);
}

/** The input with the matching defaults under it (unchanged when nothing matches or it is not an object). */
export function withRepoDefaults(input: unknown, repos: readonly RepoDefaults[]): unknown {
  if (repos.length === 0 || !isPlainObject(input) || typeof input.repo !== 'string') return input;
  const repo = input.repo;
  const matching = repos.filter((entry) => matchRepo(entry.match, repo));
  if (matching.length === 0) return input;
  const defaults: Record<string, unknown> = {};
  for (const { match: _match, ...fields } of matching) Object.assign(defaults, fields);
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  // A command line belongs to the command agent: a job choosing another agent drops the default's.
  if ('agent' in given && given.agent !== 'command') delete defaults.agentCmd;
  if ('reviewAgent' in given && given.reviewAgent !== 'command') delete defaults.reviewCmd;
  return { ...defaults, ...given };
}

/** Whether any `repos:` entry matches the repo (intakes that serve configured repos only). */
export function repoIsConfigured(repo: string, repos: readonly RepoDefaults[]): boolean {
  return repos.some((entry) => matchRepo(entry.match, repo));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

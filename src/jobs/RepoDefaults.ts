import { z } from 'zod';
import { AgentName, JobSpecFields } from './JobSpec.js';

/**
 * One `repos:` entry of DROVER_CONFIG: job spec defaults for every job on a matching repository,
 * whatever its intake. Fields use the job spec's names; `repo`, `prompt` and `prTitle` belong to the job.
 */
export const RepoDefaults = JobSpecFields.omit({ repo: true, prompt: true, prTitle: true, mode: true })
  .extend({
    /** `owner/name`, a glob over it (`acme/*`, `acme/**`), `host/owner/name`, or a local path. */
    match: z.string().trim().min(1, 'must not be empty').max(500),
    // No default here: an entry that names no agent leaves the job's (or the built-in) choice alone.
    agent: AgentName.optional(),
  })
  .partial()
  .required({ match: true });
export type RepoDefaults = z.infer<typeof RepoDefaults>;

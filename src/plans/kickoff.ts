import type { z } from 'zod';
import { DroverError, InvalidInputError } from '../errors.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import type { EnqueueOptions, JobStore } from '../store/types.js';
import type { PlanDefaults, PlanFile, PlanSettings } from './PlanFile.js';
import { parsePlan, planIssues } from './parsePlan.js';
import { extractJson, PlannerProposal, plannerPrompt } from './plannerProposal.js';

/** The planner could not produce a valid plan (twice), or its job failed. */
export class PlannerError extends DroverError {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super('E_PLANNER', 'agent_error', message);
  }
}

export interface KickoffInput {
  repo: string;
  baseRef?: string;
  goal: string;
  /** The plan's name (else the planner's, else one made from the goal). */
  name?: string;
  /** The plan's job defaults (the operator's, never the planner's). */
  defaults: PlanDefaults;
  settings?: z.input<typeof PlanSettings>;
  planner: { agent?: string; agentCmd?: string; model?: string; timeout?: string | number };
}

export interface KickoffDeps {
  jobs: JobStore;
  resolveSpec: SpecResolver;
  /**
   * Creates and runs the planner job (in this process, or queued for a worker and waited for) and
   * returns its final record; `onStart` gets the record as soon as the job exists.
   */
  runJob: (spec: JobSpec, opts: EnqueueOptions, onStart: (job: JobRecord) => void) => Promise<JobRecord>;
  onJob?: (job: JobRecord, attempt: number) => void;
}

export interface KickoffResult {
  plan: PlanFile;
  attempts: { jobId: string; problems: string[] }[];
}

/**
 * A planner agent (read-only sandbox, a job with role planner) proposes the plan as JSON for the goal;
 * the proposal is validated like a plan file (and for cycles). An invalid one gets one regeneration,
 * with the problems in the prompt; a second invalid one is a PlannerError.
 */
export async function kickoff(deps: KickoffDeps, input: KickoffInput): Promise<KickoffResult> {
  const attempts: KickoffResult['attempts'] = [];
  let problems: string[] | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const spec = deps.resolveSpec({
      repo: input.repo,
      ...(input.baseRef ? { baseRef: input.baseRef } : {}),
      prompt: plannerPrompt({ goal: input.goal, repo: input.repo, baseRef: input.baseRef, problems }),
      ...Object.fromEntries(Object.entries(input.planner).filter(([, v]) => v !== undefined)),
      sandbox: 'read-only',
      allowNoChanges: true,
      push: false,
      verify: [],
      pr: false,
      prOnFailure: false,
      review: false,
    });
    const final = await deps.runJob(
      spec,
      { source: { intake: 'plan', role: 'planner', ...(input.name ? { plan: input.name } : {}) } },
      (started) => deps.onJob?.(started, attempt),
    );
    const job = final;
    if (final.status !== 'succeeded') {
      throw new PlannerError(
        `The planner job ${job.id} ended ${final.status}: ${final.errorMessage ?? 'no answer'}`,
      );
    }
    const answer = await plannerAnswer(deps.jobs, job.id);
    const outcome = validate(answer, input);
    attempts.push({ jobId: job.id, problems: 'problems' in outcome ? outcome.problems : [] });
    if ('plan' in outcome) return { plan: outcome.plan, attempts };
    problems = outcome.problems;
  }
  throw new PlannerError(
    `The planner did not propose a valid plan in two answers: ${problems?.join('; ')}`,
    (problems ?? []).map((p) => ({ path: 'plan', message: p })),
  );
}

function validate(answer: string, input: KickoffInput): { plan: PlanFile } | { problems: string[] } {
  const json = extractJson(answer);
  if (json === undefined) return { problems: ['the answer holds no JSON object'] };
  const proposal = PlannerProposal.safeParse(json);
  if (!proposal.success) {
    return { problems: planIssues(proposal.error, json).map((i) => `${i.path}: ${i.message}`) };
  }
  try {
    const plan = parsePlan({
      name: input.name ?? proposal.data.name ?? slugOf(input.goal),
      repo: input.repo,
      ...(input.baseRef ? { baseRef: input.baseRef } : {}),
      defaults: input.defaults,
      ...(input.settings ? { settings: input.settings } : {}),
      tasks: proposal.data.tasks,
    });
    return { plan };
  } catch (err) {
    if (err instanceof InvalidInputError)
      return { problems: err.issues.map((i) => `${i.path}: ${i.message}`) };
    throw err;
  }
}

/** The planner's answer: its stdout (a command) or text events (an agent CLI), from the job's masked output. */
async function plannerAnswer(jobs: JobStore, jobId: string): Promise<string> {
  const lines: string[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const entries = await jobs.readOutput(jobId, after, 1000);
    for (const e of entries) {
      if (e.stream === 'stdout' || (e.stream === 'agent' && e.type === 'agent.text')) lines.push(e.line);
    }
    if (entries.length < 1000) break;
    after = entries.at(-1)!.seq;
  }
  return lines.join('\n');
}

/** A plan name from the goal's first words. */
export function slugOf(goal: string): string {
  const slug = goal
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'plan';
}

import type { JobSpec } from '../jobs/JobSpec.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import type { PlanDefaults } from './PlanFile.js';
import type { Feedback, PlanDoc, TaskState } from './PlanState.js';
import { executorPrompt, taskText } from './prompts.js';

/** The plan's defaults with the task's fields over them; a command line follows its agent. */
export function mergedFields(plan: PlanDoc, task: TaskState): PlanDefaults {
  const defaults: Record<string, unknown> = { ...plan.defaults };
  const own = task.overrides as Record<string, unknown>;
  if (own.agent !== undefined && own.agent !== 'command') delete defaults.agentCmd;
  if (own.reviewAgent !== undefined && own.reviewAgent !== 'command') delete defaults.reviewCmd;
  const merged = { ...defaults, ...own } as PlanDefaults;
  // As on the command line: a command given without an agent means the command agent.
  if (merged.agent === undefined && merged.agentCmd !== undefined) merged.agent = 'command';
  if (merged.reviewAgent === undefined && merged.reviewCmd !== undefined) merged.reviewAgent = 'command';
  return merged;
}

export interface ExecutorRun {
  base: string | null;
  feedback: Feedback | null;
  /** The branch already holds this task's work and no feedback is due (a retry): no changes is fine. */
  continuing: boolean;
}

/**
 * An executor run as a job spec: the plan's and task's fields, on `drover/<plan>/<task>` continued
 * (never reset), from `base`, in the workspace-write sandbox unless the plan says otherwise. It never
 * runs the job's own reviewer loop: the plan's reviewer is a separate run. Repo defaults lie under it.
 */
export function executorSpec(
  plan: PlanDoc,
  task: TaskState,
  run: ExecutorRun,
  resolve: SpecResolver,
): JobSpec {
  const { reviewAgent: _a, reviewCmd: _c, ...fields } = mergedFields(plan, task);
  return resolve({
    ...fields,
    repo: plan.repo,
    ...(run.base ? { baseRef: run.base } : {}),
    branch: task.branch,
    prompt: executorPrompt(task, run.feedback, run.continuing),
    sandbox: fields.sandbox ?? 'workspace-write',
    ...(run.continuing ? { allowNoChanges: true } : {}),
  });
}

/**
 * A reviewer run: a review-only job on the task's branch against the base it was started from, in
 * the read-only sandbox (none only when the plan or task says `sandbox: none`), with the reviewer agent.
 */
export function reviewerSpec(plan: PlanDoc, task: TaskState, resolve: SpecResolver): JobSpec {
  const f = mergedFields(plan, task);
  const agent = f.reviewAgent ?? f.agent;
  const cmd =
    agent === 'command' ? (f.reviewCmd ?? (f.agent === 'command' ? f.agentCmd : undefined)) : undefined;
  const base = task.base ?? plan.baseRef;
  return resolve({
    repo: plan.repo,
    ...(base ? { baseRef: base } : {}),
    branch: task.branch,
    mode: 'review',
    prompt: taskText(task),
    ...(agent ? { agent } : {}),
    ...(cmd ? { agentCmd: cmd } : {}),
    ...(f.model && !f.reviewAgent ? { model: f.model } : {}),
    ...pick(f, ['timeout', 'idleTimeout', 'maxTurns', 'maxCostUsd', 'environment', 'userId']),
    sandbox: f.sandbox === 'none' ? 'none' : 'read-only',
  });
}

function pick(fields: PlanDefaults, keys: (keyof PlanDefaults)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

import { InvalidInputError } from '../errors.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import { createPlan, mutatePlan } from './mutatePlan.js';
import { type PlanFile, type PlanTaskInput, taskOverrides } from './PlanFile.js';
import type { PlanDoc, TaskState } from './PlanState.js';
import { checkDependencies } from './planGraph.js';
import { taskBranch } from './planTasks.js';
import { executorSpec, reviewerSpec } from './runSpecs.js';
import type { PlanStore } from './types.js';

export interface ApplyResult {
  name: string;
  created: boolean;
  added: string[];
  updated: string[];
  unchanged: string[];
  /** Tasks whose changes were not applied because they already started (their runs are not disturbed). */
  skipped: { id: string; reason: string }[];
  /** Tasks of the plan the file no longer lists: kept as they are. */
  kept: string[];
}

/**
 * Creates a plan, or updates one: new tasks are added to the backlog; tasks not started yet (backlog
 * or ready, no run) take the file's title, prompt, acceptance, priority and job fields (dependencies
 * only while in the backlog); started tasks, and everything running, are left alone. Every task's
 * executor and reviewer job specs are checked first, so a plan that could not run is refused whole.
 */
export async function applyPlan(
  store: PlanStore,
  file: PlanFile,
  resolve: SpecResolver,
): Promise<ApplyResult> {
  checkRunSpecs(file, resolve);
  const now = new Date().toISOString();
  if (!(await store.get(file.name))) {
    const doc: PlanDoc = {
      name: file.name,
      repo: file.repo,
      baseRef: file.baseRef ?? null,
      defaults: file.defaults,
      settings: file.settings,
      paused: false,
      createdAt: now,
      updatedAt: now,
      eventSeq: 0,
      completedAt: null,
      tasks: file.tasks.map((t, index) => newTask(file.name, t, index, now)),
    };
    const events = [
      {
        type: 'plan.created' as const,
        task: null,
        data: { repo: doc.repo, baseRef: doc.baseRef, tasks: doc.tasks.length },
      },
      ...doc.tasks.map((t) => ({
        type: 'task.created' as const,
        task: t.id,
        data: { title: t.title, dependsOn: t.dependsOn },
      })),
    ];
    if (await createPlan(store, doc, events)) {
      return {
        name: file.name,
        created: true,
        added: doc.tasks.map((t) => t.id),
        updated: [],
        unchanged: [],
        skipped: [],
        kept: [],
      };
    }
    // Created by someone else meanwhile: update it like any existing plan.
  }
  const { result } = await mutatePlan(store, file.name, (plan, emit) => {
    const out: ApplyResult = {
      name: plan.name,
      created: false,
      added: [],
      updated: [],
      unchanged: [],
      skipped: [],
      kept: [],
    };
    if (plan.repo !== file.repo)
      throw fixed('repo', `cannot change for an existing plan (it is ${plan.repo})`);
    if (plan.baseRef !== (file.baseRef ?? null)) {
      throw fixed(
        'baseRef',
        `cannot change for an existing plan (it is ${plan.baseRef ?? 'the default branch'})`,
      );
    }
    const changedSettings =
      JSON.stringify([plan.defaults, plan.settings]) !== JSON.stringify([file.defaults, file.settings]);
    plan.defaults = file.defaults;
    plan.settings = file.settings;
    if (changedSettings) emit({ type: 'plan.updated', task: null, data: { defaults: true, settings: true } });
    const listed = new Set(file.tasks.map((t) => t.id));
    for (const input of file.tasks) {
      const task = plan.tasks.find((t) => t.id === input.id);
      if (!task) {
        const added = newTask(plan.name, input, plan.tasks.length, now);
        plan.tasks.push(added);
        out.added.push(added.id);
        emit({
          type: 'task.created',
          task: added.id,
          data: { title: added.title, dependsOn: added.dependsOn },
        });
        continue;
      }
      const fields = changedFields(task, input);
      if (fields.length === 0) {
        out.unchanged.push(task.id);
        continue;
      }
      const started = task.runSeq > 0 || !['backlog', 'ready'].includes(task.status);
      if (started) {
        out.skipped.push({
          id: task.id,
          reason: `already started (${task.status}): ${fields.join(', ')} kept as they were`,
        });
        continue;
      }
      if (fields.includes('dependsOn') && task.status !== 'backlog') {
        out.skipped.push({
          id: task.id,
          reason: 'ready: its dependencies are kept as they were (only backlog tasks change them)',
        });
        continue;
      }
      Object.assign(task, {
        title: input.title,
        prompt: input.prompt,
        acceptance: input.acceptance,
        priority: input.priority,
        dependsOn: input.dependsOn,
        overrides: taskOverrides(input),
      });
      out.updated.push(task.id);
      emit({ type: 'task.updated', task: task.id, data: { fields } });
    }
    out.kept = plan.tasks.filter((t) => !listed.has(t.id)).map((t) => t.id);
    checkDependencies(plan.tasks);
    if (out.added.length > 0) plan.completedAt = null;
    return out;
  });
  return result;
}

function newTask(plan: string, input: PlanTaskInput, index: number, now: string): TaskState {
  return {
    id: input.id,
    index,
    title: input.title,
    prompt: input.prompt,
    dependsOn: input.dependsOn,
    priority: input.priority,
    acceptance: input.acceptance,
    overrides: taskOverrides(input),
    status: 'backlog',
    statusSince: now,
    branch: taskBranch(plan, input.id),
    base: null,
    commit: null,
    prUrl: null,
    verdict: null,
    reviewCycles: 0,
    retries: 0,
    stalls: 0,
    feedback: null,
    blocked: null,
    waiting: null,
    costUsd: 0,
    runSeq: 0,
  };
}

function changedFields(task: TaskState, input: PlanTaskInput): string[] {
  const now: Record<string, unknown> = {
    title: task.title,
    prompt: task.prompt,
    acceptance: task.acceptance,
    priority: task.priority,
    dependsOn: task.dependsOn,
    overrides: task.overrides,
  };
  const next: Record<string, unknown> = { ...input, overrides: taskOverrides(input) };
  return Object.keys(now).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(next[k]));
}

/** Every task's runs must be valid jobs (repo defaults included): errors name the task and the field. */
function checkRunSpecs(file: PlanFile, resolve: SpecResolver): void {
  const doc = { ...file, baseRef: file.baseRef ?? null } as unknown as PlanDoc;
  const issues: { path: string; message: string }[] = [];
  for (const input of file.tasks) {
    const task = newTask(file.name, input, 0, '');
    for (const [role, build] of [
      [
        'executor',
        () => executorSpec(doc, task, { base: doc.baseRef, feedback: null, continuing: false }, resolve),
      ],
      ['reviewer', () => reviewerSpec(doc, task, resolve)],
    ] as const) {
      try {
        build();
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        for (const issue of err.issues) {
          issues.push({
            path: `tasks.${task.id}.${issue.path}`,
            message: `${issue.message} (in its ${role} run)`,
          });
        }
      }
    }
  }
  if (issues.length > 0) {
    throw new InvalidInputError(
      `Invalid plan: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
}

function fixed(path: string, message: string): InvalidInputError {
  return new InvalidInputError(`Invalid plan: ${path}: ${message}`, [{ path, message }]);
}

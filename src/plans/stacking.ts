import type { PlanDoc, TaskState } from './PlanState.js';
import type { BranchInspector } from './types.js';

export type BaseChoice = { base: string | null } | { waiting: string };

/**
 * Where a task's executor run starts. Dependencies are done; one that is not merged yet is stacked on:
 * the run starts from its branch (and its PR targets it), whose own stack holds the earlier ones. Two
 * unmerged dependencies on separate branches cannot both be stacked on: the task waits for a merge.
 */
export async function chooseBase(
  plan: PlanDoc,
  task: TaskState,
  inspector: BranchInspector,
): Promise<BaseChoice> {
  const deps = task.dependsOn
    .map((id) => plan.tasks.find((t) => t.id === id))
    .filter((t): t is TaskState => t !== undefined && t.commit !== null);
  const unmerged: TaskState[] = [];
  for (const dep of deps) {
    if (!(await inspector.isMerged(plan.repo, dep.branch, plan.baseRef))) unmerged.push(dep);
  }
  if (unmerged.length === 0) return { base: plan.baseRef };
  const tip = unmerged.find((d) => unmerged.every((o) => o === d || stackOf(plan, d).includes(o.branch)));
  if (tip) return { base: tip.branch };
  const names = unmerged.map((d) => d.id).join(', ');
  return {
    waiting: `waiting for a merge: its dependencies ${names} are done but not merged, on separate branches (a task stacks on one)`,
  };
}

/** The branches a task's branch is stacked on, nearest first. */
export function stackOf(plan: PlanDoc, task: TaskState): string[] {
  const chain: string[] = [];
  let base = task.base;
  for (let i = 0; base && i < plan.tasks.length; i++) {
    const below = plan.tasks.find((t) => t.branch === base);
    if (!below) break;
    chain.push(below.branch);
    base = below.base;
  }
  return chain;
}

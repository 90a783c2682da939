import { InvalidInputError } from '../errors.js';

export interface GraphTask {
  id: string;
  dependsOn: readonly string[];
}

/**
 * Refuses dangling dependencies (naming the task and the unknown id) and dependency cycles (naming
 * the tasks around the cycle, `a → b → a`). Cheap enough for every apply: O(tasks + edges).
 */
export function checkDependencies(tasks: readonly GraphTask[]): void {
  const ids = new Set(tasks.map((t) => t.id));
  const issues: { path: string; message: string }[] = [];
  for (const task of tasks) {
    for (const dep of task.dependsOn) {
      if (!ids.has(dep))
        issues.push({ path: `tasks.${task.id}.dependsOn`, message: `unknown task "${dep}"` });
    }
  }
  if (issues.length === 0) {
    const cycle = findCycle(tasks);
    if (cycle)
      issues.push({
        path: 'tasks',
        message: `dependency cycle (→ means "depends on"): ${cycle.join(' → ')}`,
      });
  }
  if (issues.length > 0) {
    throw new InvalidInputError(
      `Invalid plan: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
}

/** One dependency cycle as a closed path (`a → b → c → a`), or undefined. Iterative DFS. */
export function findCycle(tasks: readonly GraphTask[]): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of tasks) {
    if (state.has(root.id)) continue;
    const path: string[] = [];
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    state.set(root.id, 'visiting');
    path.push(root.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const children = deps.get(top.id) ?? [];
      if (top.next >= children.length) {
        state.set(top.id, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const child = children[top.next++]!;
      if (!deps.has(child)) continue;
      const seen = state.get(child);
      if (seen === 'visiting') return [...path.slice(path.indexOf(child)), child];
      if (seen === 'done') continue;
      state.set(child, 'visiting');
      stack.push({ id: child, next: 0 });
      path.push(child);
    }
  }
  return undefined;
}

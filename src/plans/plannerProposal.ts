import { z } from 'zod';
import { MAX_TASKS, PlanName, PlanTaskInput } from './PlanFile.js';

/**
 * What a planner agent may propose: a name and tasks (id, title, prompt, dependencies, priority,
 * acceptance). Its answer is hostile input: job fields (agents, commands, sandbox, credentials) and
 * settings are the operator's, so anything else is refused and the planner is asked again.
 */
export const PlannerProposal = z.strictObject({
  name: PlanName.optional(),
  tasks: z
    .array(
      PlanTaskInput.pick({
        id: true,
        title: true,
        prompt: true,
        dependsOn: true,
        priority: true,
        acceptance: true,
      }).strict(),
    )
    .min(1, 'must list at least one task')
    .max(MAX_TASKS),
});
export type PlannerProposal = z.infer<typeof PlannerProposal>;

const MAX_ANSWER = 2 * 1024 * 1024;

/**
 * The JSON object in a planner's answer: the last ```json fenced block, else the span from the first
 * `{` to the last `}`. Undefined when there is none that parses.
 */
export function extractJson(answer: string): unknown {
  const text = answer.length > MAX_ANSWER ? answer.slice(-MAX_ANSWER) : answer;
  const fences = [...text.matchAll(/```(?:json)?[ \t]*\n([\s\S]*?)\n[ \t]*```/g)].map((m) => m[1]!);
  const candidates = [...fences.reverse()];
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // the next candidate
    }
  }
  return undefined;
}

export interface PlannerPromptInput {
  goal: string;
  repo: string;
  baseRef?: string;
  /** The problems of the previous answer: this is the regeneration. */
  problems?: string[];
}

export function plannerPrompt(input: PlannerPromptInput): string {
  const lines = [
    `You are planning work on the repository ${input.repo}${input.baseRef ? ` (branch ${input.baseRef})` : ''}, checked out in the current directory. Read what you need; change nothing.`,
    '',
    '## Goal',
    input.goal.trim(),
    '',
    '## What to answer',
    'Break the goal into small tasks, each one change that can be implemented, tested and reviewed on its own branch by a coding agent. A task that needs another task’s change lists it in dependsOn.',
    'Answer with exactly one JSON object in a ```json block, and nothing after it:',
    '```json',
    '{"name": "short-plan-slug", "tasks": [{"id": "task-slug", "title": "Short title", "prompt": "What to do, precisely", "dependsOn": [], "priority": "P1", "acceptance": ["A checkable criterion"]}]}',
    '```',
    'Rules: ids and the name are slugs (lowercase letters, digits and "-", at most 63 characters); dependsOn lists ids of tasks in this plan; no dependency cycles; priority is P0 (first), P1 or P2; at most 200 tasks; no other fields.',
  ];
  if (input.problems?.length) {
    lines.push(
      '',
      '## Your previous answer was not a valid plan',
      ...input.problems.map((p) => `- ${p}`),
      '',
      'Answer again with a corrected plan.',
    );
  }
  return lines.join('\n');
}

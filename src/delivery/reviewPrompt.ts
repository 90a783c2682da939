import { clipStart } from './feedbackPrompts.js';

const MAX_DIFF_CHARS = 100_000;

export interface ReviewPromptInput {
  task: string;
  diff: string;
  baseRef: string;
  baseSha: string;
  cycle: number;
  cycles: number;
  /** The previous answer had no verdict line. */
  retry: boolean;
}

/** The reviewer's prompt: the task, the diff against the base, and the verdict contract. */
export function reviewPrompt(input: ReviewPromptInput): string {
  const diff = input.diff.trim()
    ? clipStart(input.diff, MAX_DIFF_CHARS)
    : '(no changes: the working tree is identical to the base)';
  const truncated = input.diff.length > MAX_DIFF_CHARS;
  return [
    input.retry
      ? 'Your previous review ended without a verdict line. Review again and end with the verdict line.\n'
      : '',
    `You are reviewing a change another agent made (review ${input.cycle} of ${input.cycles}). Do not modify any files: you only read and judge.`,
    '',
    '## Task the change must accomplish',
    input.task.trim(),
    '',
    `## The change against ${input.baseRef} (${input.baseSha.slice(0, 12)})`,
    truncated
      ? `The diff is long and cut here; run \`git diff --cached ${input.baseSha}\` in the workspace for all of it.`
      : `It is staged in the workspace (\`git diff --cached ${input.baseSha}\`).`,
    '```diff',
    diff.trimEnd(),
    '```',
    '',
    '## What to answer',
    'Check that the change does what the task asks, is correct, handles errors and edge cases, is secure, and is tested where the repository has tests.',
    'List each problem that must be fixed on its own line as "- <file>:<line>: <problem and the fix you expect>".',
    'Then end your answer with exactly one verdict line:',
    'REVIEW: PASS   (the change is ready to merge as it is)',
    'REVIEW: FAIL   (the change must be fixed; your findings above say how)',
  ].join('\n');
}

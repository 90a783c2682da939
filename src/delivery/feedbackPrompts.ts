import type { VerifyCommandResult } from './DeliveryState.js';

const MAX_TAIL_CHARS = 8000;
const MAX_FINDINGS_CHARS = 16_000;

/** What the executor gets after a failing verify command (appended to the task, or alone on resume). */
export function verifyFixPrompt(failure: VerifyCommandResult, round: number, rounds: number): string {
  const result =
    failure.reason === 'spawn'
      ? 'it could not start'
      : failure.reason === 'idle'
        ? 'it printed nothing for too long and was stopped'
        : failure.exitCode === null
          ? `it was killed by ${failure.signal}`
          : `exit code ${failure.exitCode}`;
  return [
    `Verification failed (fix round ${round} of ${rounds}): Drover ran the repository's checks after your changes and one failed.`,
    '',
    `Command: ${failure.command}`,
    `Result: ${result}`,
    'Last lines of its output:',
    '~~~',
    clip(failure.tail, MAX_TAIL_CHARS),
    '~~~',
    '',
    'Fix the code so that this command passes. Do not weaken, skip or delete the checks.',
  ].join('\n');
}

/** What the executor gets after a reviewer asked for changes. */
export function reviewFixPrompt(findings: string, cycle: number, cycles: number): string {
  return [
    `Review requested changes (review cycle ${cycle} of ${cycles}): a reviewer read your change and found problems.`,
    '',
    'Findings:',
    clipStart(findings, MAX_FINDINGS_CHARS) || '(the reviewer gave no details)',
    '',
    'Address every finding. Keep the change focused on the task and the checks passing.',
  ].join('\n');
}

/** Keeps the end of a long text (the end of a test run is where the failure summary is). */
export function clip(text: string, max: number): string {
  return text.length > max ? `…${text.slice(text.length - max + 1)}` : text;
}

/** Keeps the start of a long text. */
export function clipStart(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

import type { Feedback, TaskState } from './PlanState.js';

/** The task as executor and reviewer see it: title, prompt, acceptance criteria. */
export function taskText(task: TaskState): string {
  const parts = [task.title, '', task.prompt.trim()];
  if (task.acceptance.length > 0) {
    parts.push('', 'Acceptance criteria (each must hold):', ...task.acceptance.map((a) => `- ${a}`));
  }
  return parts.join('\n');
}

/**
 * An executor run's prompt: the task, then what this run must address, verbatim — the reviewer's
 * findings, a person's rework comment, or (a retry on a branch with earlier work) the note to continue.
 */
export function executorPrompt(task: TaskState, feedback: Feedback | null, continuing: boolean): string {
  const parts = [taskText(task)];
  if (feedback?.kind === 'review') {
    parts.push(
      '',
      '---',
      '',
      `A reviewer read your change on this branch and asked for changes (verdict ${feedback.verdict ?? 'FAIL'}${
        feedback.cycle ? `, review cycle ${feedback.cycle}` : ''
      }). Its findings, verbatim:`,
      '',
      feedback.text.trim() || '(the reviewer gave no details)',
      '',
      'Address every finding with further changes on this branch, keeping the checks passing.',
    );
  } else if (feedback?.kind === 'rework') {
    parts.push(
      '',
      '---',
      '',
      'A person reviewed your change on this branch and asked for rework. Their comment, verbatim:',
      '',
      feedback.text.trim(),
      '',
      'Make the requested changes on this branch, keeping the checks passing.',
    );
  } else if (continuing) {
    parts.push(
      '',
      '---',
      '',
      'This branch already holds earlier work on this task (an earlier run failed or was interrupted). Continue from it; if the task is already complete, change nothing.',
    );
  }
  return parts.join('\n');
}

import type { TaskData } from './TaskData.js';

const PROMPT_MAX = 200_000;
const PLACEHOLDER = /\{(description|context|sourceURL|taskID|repo|ref)\}/g;

/**
 * The built-in template. Sections whose value is empty are left out; the description comes first,
 * so its first line becomes the pull request's title.
 */
export const DEFAULT_TASK_TEMPLATE = `{description}

## Context

{context}

Source: {sourceURL}

Make the change in this repository's working tree. Drover commits, pushes and opens the pull request
when you are done: do not push or open one yourself.`;

export interface TaskPromptInput {
  taskID: string;
  data: TaskData;
  /** A custom template (DROVER_TASK_PROMPT_TEMPLATE); placeholders as in the default. */
  template?: string;
}

/**
 * The job's prompt for a control-plane task. Values are substituted in one pass (a value that looks
 * like a placeholder stays as it is); the context is shortened when the prompt would exceed the job
 * spec's limit.
 */
export function taskPrompt({ taskID, data, template }: TaskPromptInput): string {
  const values = {
    description: data.description.trim(),
    context: (data.context ?? '').trim(),
    sourceURL: (data.sourceURL ?? '').trim(),
    taskID,
    repo: data.repo.url,
    ref: data.repo.ref ?? '',
  };
  const render = (context: string) => {
    const text = template ?? defaultTemplateFor({ ...values, context });
    return text.replace(PLACEHOLDER, (_, key: keyof typeof values) =>
      key === 'context' ? context : values[key],
    );
  };
  let prompt = render(values.context);
  const over = prompt.length - PROMPT_MAX;
  if (over > 0 && values.context.length > 0) {
    const marker = '\n[context shortened to fit the prompt limit]';
    prompt = render(
      values.context.slice(0, Math.max(0, values.context.length - over - marker.length)) + marker,
    );
  }
  return prompt.trim();
}

/** The default template without the sections that would be empty. */
function defaultTemplateFor(values: { context: string; sourceURL: string }): string {
  let text = DEFAULT_TASK_TEMPLATE;
  if (!values.context) text = text.replace('## Context\n\n{context}\n\n', '');
  if (!values.sourceURL) text = text.replace('Source: {sourceURL}\n\n', '');
  return text;
}

import type { JobSpec } from '../jobs/JobSpec.js';
import type { RepoDefaults } from '../jobs/RepoDefaults.js';
import { resolveJobSpec } from '../jobs/resolveJobSpec.js';
import type { TaskData } from './TaskData.js';
import type { TaskRunnerSettings } from './TaskRunnerSettings.js';
import { taskPrompt } from './taskPrompt.js';

/**
 * The Drover job for a control-plane task: its repo and ref, the prompt from the task's template,
 * branch `shepherd/{taskID}` (the template's), a PR unless turned off, and the runner's agent and
 * limits (flags over DROVER_TASK_* variables) over the DROVER_CONFIG `repos:` defaults. Validated
 * like any job spec: a bad field throws an InvalidInputError naming it.
 */
export function taskJobSpec(
  taskID: string,
  data: TaskData,
  settings: Pick<TaskRunnerSettings, 'branchTemplate' | 'promptTemplate' | 'pr' | 'specFields'>,
  repos: readonly RepoDefaults[],
): JobSpec {
  const input = {
    ...settings.specFields,
    repo: data.repo.url,
    ...(data.repo.ref ? { baseRef: data.repo.ref } : {}),
    prompt: taskPrompt({
      taskID,
      data,
      ...(settings.promptTemplate ? { template: settings.promptTemplate } : {}),
    }),
    branch: settings.branchTemplate.replaceAll('{taskID}', taskID),
    pr: settings.pr,
  };
  return resolveJobSpec(input, repos);
}

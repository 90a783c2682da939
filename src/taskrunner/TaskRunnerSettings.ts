import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envDuration, nonBlankEnv, parseEnv } from '../config/envSchemas.js';
import { ConfigError, InvalidInputError } from '../errors.js';
import { AgentName, JobSpecFields } from '../jobs/JobSpec.js';
import { describeIssues, zodIssues } from '../jobs/parseJobSpec.js';
import { type ListenAddress, parseListen } from './TaskServer.js';

/** The task runner's own variables (flags win over them; DROVER_CONFIG `repos:` lies under both). */
export const TaskRunnerEnv = z.object({
  DROVER_TASK_LISTEN: z.string().default(':8888'),
  DROVER_TASK_BRANCH: z.string().min(1).default('shepherd/{taskID}'),
  DROVER_TASK_PROMPT_TEMPLATE: z.string().min(1).optional(),
  DROVER_TASK_AGENT: AgentName.optional(),
  DROVER_TASK_AGENT_CMD: z.string().min(1).optional(),
  DROVER_TASK_MODEL: z.string().min(1).optional(),
  DROVER_TASK_MAX_TURNS: z.coerce.number().int().positive().optional(),
  DROVER_TASK_MAX_COST_USD: z.coerce.number().positive().optional(),
  DROVER_TASK_PR: z.enum(['true', 'false']).default('true'),
  DROVER_TASK_API_RETRY: envDuration('5m'),
  DROVER_TASK_SHUTDOWN_TIMEOUT: envDuration('20s'),
});
export type TaskRunnerEnv = z.infer<typeof TaskRunnerEnv>;

/** Flags of `drover task-runner` (strings as commander gives them). */
export interface TaskRunnerFlags {
  listen?: string;
  branch?: string;
  promptTemplate?: string;
  pr?: boolean;
  apiRetry?: string;
  shutdownTimeout?: string;
  /** Job spec fields from flags (agent, limits, verify...), not yet validated. */
  spec: Record<string, unknown>;
}

export interface TaskRunnerSettings {
  listen: ListenAddress;
  /** `{taskID}` is replaced by the task's id. */
  branchTemplate: string;
  promptTemplate?: string;
  pr: boolean;
  /** Job spec fields every task's job gets (flags over DROVER_TASK_* variables). */
  specFields: Record<string, unknown>;
  /** How long one control-plane call keeps retrying. */
  apiRetryMs: number;
  /** After SIGTERM: the cancelled job's failure report must be sent within this. */
  shutdownMs: number;
}

export function loadTaskRunnerSettings(flags: TaskRunnerFlags, env: NodeJS.ProcessEnv): TaskRunnerSettings {
  const e = parseEnv(TaskRunnerEnv, {
    ...nonBlankEnv(TaskRunnerEnv, env),
    ...(flags.apiRetry ? { DROVER_TASK_API_RETRY: flags.apiRetry } : {}),
    ...(flags.shutdownTimeout ? { DROVER_TASK_SHUTDOWN_TIMEOUT: flags.shutdownTimeout } : {}),
  });
  const branchTemplate = flags.branch ?? e.DROVER_TASK_BRANCH;
  if (!branchTemplate.includes('{taskID}')) {
    throw new ConfigError(`--branch / DROVER_TASK_BRANCH: "${branchTemplate}" must contain {taskID}`);
  }
  const templateFile = flags.promptTemplate ?? e.DROVER_TASK_PROMPT_TEMPLATE;
  const fromEnv: Record<string, unknown> = {
    ...(e.DROVER_TASK_AGENT ? { agent: e.DROVER_TASK_AGENT } : {}),
    ...(e.DROVER_TASK_AGENT_CMD ? { agentCmd: e.DROVER_TASK_AGENT_CMD } : {}),
    ...(e.DROVER_TASK_MODEL ? { model: e.DROVER_TASK_MODEL } : {}),
    ...(e.DROVER_TASK_MAX_TURNS !== undefined ? { maxTurns: e.DROVER_TASK_MAX_TURNS } : {}),
    ...(e.DROVER_TASK_MAX_COST_USD !== undefined ? { maxCostUsd: e.DROVER_TASK_MAX_COST_USD } : {}),
  };
  const specFields = { ...fromEnv, ...flags.spec };
  // A command line given alone means the command agent, as on `drover run`.
  if (specFields.agent === undefined && specFields.agentCmd !== undefined) specFields.agent = 'command';
  checkSpecFields(specFields);
  return {
    listen: parseListen(flags.listen ?? e.DROVER_TASK_LISTEN),
    branchTemplate,
    ...(templateFile ? { promptTemplate: readTemplate(templateFile) } : {}),
    pr: flags.pr === false ? false : e.DROVER_TASK_PR === 'true',
    specFields,
    apiRetryMs: e.DROVER_TASK_API_RETRY,
    shutdownMs: e.DROVER_TASK_SHUTDOWN_TIMEOUT,
  };
}

/** The agent and limits are checked at startup, not when the first task arrives. */
function checkSpecFields(fields: Record<string, unknown>): void {
  const parsed = JobSpecFields.partial().safeParse(fields);
  if (parsed.success) return;
  const issues = zodIssues(parsed.error);
  throw new InvalidInputError(`Invalid task runner settings: ${describeIssues(issues)}`, issues);
}

function readTemplate(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `--prompt-template / DROVER_TASK_PROMPT_TEMPLATE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  if (!text.includes('{description}')) {
    throw new ConfigError(`--prompt-template: ${path} must contain {description}`);
  }
  return text;
}

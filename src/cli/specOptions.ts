import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { InvalidInputError } from '../errors.js';
import { localRepoPath } from '../git/cloneFailure.js';
import type { JobSpecInput } from '../jobs/JobSpec.js';
import { AGENT_NAMES, SANDBOX_MODES } from '../jobs/JobSpec.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The job flags shared by `drover run` and `drover submit`; each maps to one job spec field. */
export function addSpecOptions(cmd: Command): Command {
  return cmd
    .option('--repo <url|path>', 'repository to work on (URL or local path)')
    .option('--prompt <text>', 'what the agent should do')
    .option('--prompt-file <file>', 'read the prompt from a file')
    .option('--spec <file>', 'read the whole job spec from a JSON file (flags override its fields)')
    .option('--base <ref>', 'base ref to branch from (default: the remote default branch)')
    .option('--branch <name>', 'branch to push (default drover/<first 8 chars of the job id>)')
    .addOption(new Option('--agent <name>', 'agent to run').choices([...AGENT_NAMES]))
    .option(
      '--agent-cmd <command>',
      'shell command for --agent command (prompt in $DROVER_PROMPT and on stdin)',
    )
    .option('--model <model>', 'model name passed to the agent')
    .option('--timeout <duration>', 'wall-clock limit for the job, e.g. 90s, 15m, 1h (default 30m)')
    .option('--idle-timeout <duration>', 'stop the agent after this long without activity (default 10m)')
    .option('--no-push', 'commit but do not push')
    .option('--allow-no-changes', 'succeed even when the agent changes nothing')
    .option('--max-turns <n>', 'stop the agent after this many turns (errorKind budget)')
    .option('--max-cost-usd <usd>', 'stop the agent once it has cost this much (errorKind budget)')
    .option('--max-tokens <n>', 'model tokens (input + output) the job may use (errorKind budget)')
    .option('--no-gateway', 'give the agent the model API keys itself instead of the model gateway')
    .addOption(new Option('--sandbox <mode>', 'sandbox for the agent').choices([...SANDBOX_MODES]))
    .option('--environment <name>', 'named environment (env vars and setup commands) from the config')
    .option('--verify <command>', 'test command that must pass before the push (repeatable)', collect)
    .option('--fix-rounds <n>', 'agent retries with the failing test output (default 2)')
    .option('--pr', 'open (or update) a pull/merge request after the push')
    .option('--pr-on-failure', 'when verify still fails, push and open a draft PR with the failure report')
    .addOption(
      new Option('--pr-provider <provider>', 'PR provider (default: from the remote host)').choices([
        'github',
        'gitlab',
      ]),
    )
    .option(
      '--reset-branch',
      'start from the base even if the branch exists, and replace it (force with lease)',
    )
    .option('--review', 'run a reviewer agent on the diff before delivering')
    .addOption(
      new Option('--review-agent <name>', 'agent for the review (default: --agent)').choices([
        ...AGENT_NAMES,
      ]),
    )
    .option('--review-cmd <command>', 'reviewer command for --review-agent command')
    .option('--review-cycles <n>', 'review/fix cycles before needs_human (default 3)')
    .option('--user-id <id>', 'use this user’s stored git token (Redis backend)')
    .option('--callback-url <url>', 'POST signed start/end notices for the job to this URL')
    .addOption(
      new Option(
        '--mode <mode>',
        'review: only review --branch against --base with the reviewer (read-only), recording a verdict',
      ).choices(['change', 'review']),
    );
}

export interface SpecFlags {
  repo?: string;
  prompt?: string;
  promptFile?: string;
  spec?: string;
  base?: string;
  branch?: string;
  agent?: string;
  agentCmd?: string;
  model?: string;
  timeout?: string;
  idleTimeout?: string;
  push?: boolean;
  allowNoChanges?: boolean;
  maxTurns?: string;
  maxCostUsd?: string;
  maxTokens?: string;
  gateway?: boolean;
  sandbox?: string;
  environment?: string;
  verify?: string[];
  fixRounds?: string;
  pr?: boolean;
  prOnFailure?: boolean;
  prProvider?: string;
  resetBranch?: boolean;
  review?: boolean;
  reviewAgent?: string;
  reviewCmd?: string;
  reviewCycles?: string;
  userId?: string;
  callbackUrl?: string;
  mode?: string;
}

/** Spec field → the flag a CLI user typed, for error messages. */
export const FLAG_FOR_FIELD: Record<string, string> = {
  prompt: '--prompt or --prompt-file',
  baseRef: '--base',
  agentCmd: '--agent-cmd',
  idleTimeout: '--idle-timeout',
  allowNoChanges: '--allow-no-changes',
  maxTurns: '--max-turns',
  maxCostUsd: '--max-cost-usd',
  maxTokens: '--max-tokens',
  gateway: '--no-gateway',
  fixRounds: '--fix-rounds',
  prOnFailure: '--pr-on-failure',
  prProvider: '--pr-provider',
  resetBranch: '--reset-branch',
  reviewAgent: '--review-agent',
  reviewCmd: '--review-cmd',
  reviewCycles: '--review-cycles',
  userId: '--user-id',
  callbackUrl: '--callback-url',
};

/** Builds the (not yet validated) job spec from flags; the schema validates it next. */
export async function specFromFlags(flags: SpecFlags): Promise<JobSpecInput> {
  const spec: Record<string, unknown> = flags.spec ? await readSpecFile(flags.spec) : {};
  if (flags.prompt !== undefined && flags.promptFile !== undefined) {
    throw invalid('prompt', 'use either --prompt or --prompt-file, not both');
  }
  if (flags.promptFile !== undefined) {
    try {
      spec.prompt = await readFile(flags.promptFile, 'utf8');
    } catch (err) {
      throw invalid(
        'prompt',
        `cannot read --prompt-file ${flags.promptFile}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
  }
  const set = (field: string, value: unknown) => {
    if (value !== undefined) spec[field] = value;
  };
  set('repo', flags.repo === undefined ? undefined : localPathOrUrl(flags.repo));
  if (typeof spec.repo === 'string') spec.repo = localPathOrUrl(spec.repo);
  set('prompt', flags.prompt);
  set('baseRef', flags.base);
  set('branch', flags.branch);
  set('agent', flags.agent);
  set('agentCmd', flags.agentCmd);
  set('model', flags.model);
  set('timeout', flags.timeout);
  set('idleTimeout', flags.idleTimeout);
  if (flags.push === false) spec.push = false;
  set('allowNoChanges', flags.allowNoChanges);
  set('maxTurns', num(flags.maxTurns));
  set('maxCostUsd', num(flags.maxCostUsd));
  set('maxTokens', num(flags.maxTokens));
  if (flags.gateway === false) spec.gateway = false;
  set('sandbox', flags.sandbox);
  set('environment', flags.environment);
  set('verify', flags.verify);
  set('fixRounds', num(flags.fixRounds));
  set('pr', flags.pr);
  set('prOnFailure', flags.prOnFailure);
  set('prProvider', flags.prProvider);
  set('resetBranch', flags.resetBranch);
  set('review', flags.review);
  set('reviewAgent', flags.reviewAgent);
  set('reviewCmd', flags.reviewCmd);
  set('reviewCycles', num(flags.reviewCycles));
  set('userId', flags.userId);
  set('callbackUrl', flags.callbackUrl);
  set('mode', flags.mode);
  if (spec.agent === undefined && spec.agentCmd !== undefined) spec.agent = 'command';
  return spec as JobSpecInput;
}

async function readSpecFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw invalid('spec', `cannot read --spec ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw invalid('spec', `--spec ${path} is not a JSON object (${(err as Error).message})`);
  }
}

/** A local repository path becomes absolute (the runner may run elsewhere); URLs pass unchanged. */
export function localPathOrUrl(repo: string): string {
  if (repo.startsWith('-') || repo === '' || /^file:/i.test(repo) || localRepoPath(repo) === undefined)
    return repo;
  return resolve(repo);
}

function num(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError(`${path}: ${message}`, [{ path, message }]);
}

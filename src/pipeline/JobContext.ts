import type { Logger } from 'pino';
import type { AgentInvocation } from '../agents/types.js';
import type { RunnerConfig } from '../config/RunnerConfig.js';
import type { DeliveryState } from '../delivery/DeliveryState.js';
import type { Playbook } from '../environments/Playbook.js';
import type { JobEnvironment } from '../environments/types.js';
import type { Git } from '../git/Git.js';
import type { RunnerRepo } from '../git/RunnerRepo.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import type { JobOutput } from '../runner/JobOutput.js';
import type { AgentRunResult } from '../runner/runAgent.js';
import type { JobSandbox } from '../sandbox/types.js';
import type { Masker } from '../secrets/Masker.js';
import type { JobStore } from '../store/types.js';
import type { Workspace } from '../workspace/Workspace.js';
import type { ModelAccess, ModelSession } from './ModelAccess.js';

/** What one attempt of a job carries through the pipeline's phases. */
export interface JobContext {
  job: JobRecord;
  spec: JobSpec;
  config: RunnerConfig;
  store: JobStore;
  logger: Logger;
  masker: Masker;
  output: JobOutput;
  git: Git;
  /** Aborted on cancel, lost lease or shutdown; its reason is the DroverError to end with. */
  signal: AbortSignal;
  /** Wall-clock deadline (epoch ms) for the whole attempt. */
  deadline: number;
  idleTimeoutMs: number;
  /** Where this job's artifacts (transcript, diff, reports) are written. */
  artifactsDir: string;
  workspace?: Workspace;
  /** The job's own git repository (made at checkout): every git step after the checkout runs there. */
  runnerRepo?: RunnerRepo;
  /** git auth env for the repo's URL (empty for non-HTTP remotes or no token). */
  authEnv: Record<string, string>;
  /** The git token this job uses (global or the user's), so it can be masked and handed to git only. */
  gitToken?: string;
  /** A token for this job's PR/MR API calls (minted for its repository), preferred over the runner's. */
  apiToken?: string;
  baseRef?: string;
  baseSha?: string;
  /** The branch's sha on the remote when the job started ('' = absent): the push lease. */
  expectedRemoteSha: string;
  branch: string;
  /** Where the branch started (base, or the existing remote branch being continued). */
  startSha?: string;
  commit?: string;
  /** changes.diff for `commit`, when the commit step already made it (the base is where the job started). */
  commitDiff?: { commit: string; text: string };
  /** The branch has commits beyond its start point. */
  changed?: boolean;
  pushed?: boolean;
  agentRuns: AgentRunResult[];
  costUsd?: number;
  turns?: number;
  /** Model tokens the job used (through the model gateway). */
  inputTokens?: number;
  cachedInputTokens?: number;
  outputTokens?: number;
  /** The runner's model gateway (absent: off on this runner). */
  modelAccess?: ModelAccess;
  /** This attempt's session at the gateway, opened by the first agent run that uses it; closed at the end. */
  models?: ModelSession;
  /** Verify rounds, review cycles, PR, and an error held back until a draft PR is delivered. */
  delivery?: DeliveryState;
  /** The sandbox the job's commands run under (resolved once; see sandbox/jobSandbox.ts). */
  sandbox?: JobSandbox;
  /** Wraps a shell command run in the workspace (setup, verify) in the job's sandbox, workspace writable. */
  wrapCommand?: (inv: AgentInvocation) => Promise<AgentInvocation>;
  /** The job's named environment from DROVER_CONFIG (variables, setup commands). */
  environment?: JobEnvironment;
  /** The repository's .drover.yml (setup before the agent; `verify` is the verify gate's default). */
  playbook?: Playbook;
}

export function remainingMs(ctx: JobContext): number {
  return ctx.deadline - Date.now();
}

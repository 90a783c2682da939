import type { AgentInvocation } from '../agents/types.js';
import type { SandboxMode } from '../jobs/JobSpec.js';

/** The sandbox a job's commands run under, decided once per job. */
export interface JobSandbox {
  /** The job's mode: none, workspace-write or read-only. */
  readonly mode: SandboxMode;
  /** Wraps a command; `mode` overrides the job's (e.g. the reviewer runs read-only). */
  wrap(inv: AgentInvocation, mode?: SandboxMode): Promise<AgentInvocation>;
}

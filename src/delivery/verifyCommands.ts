import type { JobContext } from '../pipeline/JobContext.js';

/** The job's verify commands: the spec's (an explicit empty list turns the gate off), else the playbook's. */
export function verifyCommands(ctx: JobContext): readonly string[] {
  return ctx.spec.verify ?? ctx.playbook?.verify ?? [];
}

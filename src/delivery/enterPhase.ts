import type { JobContext } from '../pipeline/JobContext.js';

/** A phase header inside a phase (fix rounds, review cycles): the log and the job's phase field follow it. */
export async function enterPhase(ctx: JobContext, name: string, title: string): Promise<void> {
  ctx.output.phase(name, title);
  await ctx.store.update(ctx.job.id, { phase: name });
}

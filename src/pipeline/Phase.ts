import type { JobContext } from './JobContext.js';

/** One step of a job's pipeline. Features (delivery, setup...) export phases; the runner orders them. */
export interface Phase {
  name: string;
  title: (ctx: JobContext) => string;
  run: (ctx: JobContext) => Promise<void>;
  /** Skip the phase when this returns false. */
  when?: (ctx: JobContext) => boolean;
}

import { z } from 'zod';
import { parseDuration } from './duration.js';

/** zod: a duration string or seconds, kept as given (so it round-trips through JSON); see durationMs. */
export const Duration = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  try {
    parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
export type Duration = z.infer<typeof Duration>;

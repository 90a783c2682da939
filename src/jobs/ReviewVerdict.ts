import { z } from 'zod';

/** A reviewer's verdict as recorded on a job: INCOMPLETE when its answer had no verdict line. */
export const ReviewVerdict = z.enum(['PASS', 'FAIL', 'INCOMPLETE']);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

import { isOneOf } from '../util/isOneOf.js';

/** A reviewer's verdict as recorded on a job: INCOMPLETE when its answer had no verdict line. */
export const REVIEW_VERDICTS = ['PASS', 'FAIL', 'INCOMPLETE'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

export function isReviewVerdict(value: unknown): value is ReviewVerdict {
  return isOneOf(REVIEW_VERDICTS, value);
}

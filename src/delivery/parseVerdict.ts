import type { ReviewOutcome } from './DeliveryState.js';
import { clipStart } from './feedbackPrompts.js';

const VERDICT = /\bREVIEW:[ \t]*[*_`]*[ \t]*(PASS|FAIL)\b/g;
const VERDICT_LINE = /^.*\bREVIEW:[ \t]*[*_`]*[ \t]*(?:PASS|FAIL)\b.*$/gm;
const MAX_FINDINGS = 16_000;

export interface Verdict {
  outcome: ReviewOutcome;
  /** The answer without its verdict line(s), bounded. */
  findings: string;
}

/**
 * Reads a reviewer's answer: the last `REVIEW: PASS` or `REVIEW: FAIL` wins (markdown emphasis
 * around the verdict is tolerated); none at all is INCOMPLETE.
 */
export function parseVerdict(text: string): Verdict {
  let outcome: ReviewOutcome = 'INCOMPLETE';
  for (const match of text.matchAll(VERDICT)) outcome = match[1] as 'PASS' | 'FAIL';
  const findings = text
    .replace(VERDICT_LINE, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { outcome, findings: clipStart(findings, MAX_FINDINGS) };
}

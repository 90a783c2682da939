import type { ReviewOutcome } from './DeliveryState.js';
import { clipStart } from './feedbackPrompts.js';

const VERDICT = /\bREVIEW:[ \t]*[*_`]*[ \t]*(PASS|FAIL)\b/g;
const HAS_VERDICT = /\bREVIEW:[ \t]*[*_`]*[ \t]*(?:PASS|FAIL)\b/;
const MAX_FINDINGS = 16_000;

export interface Verdict {
  outcome: ReviewOutcome;
  /** The answer without its verdict line(s), bounded; text after a verdict on its line is kept. */
  findings: string;
}

/**
 * Reads a reviewer's answer: the last `REVIEW: PASS` or `REVIEW: FAIL` wins (markdown emphasis
 * around the verdict is tolerated); none at all is INCOMPLETE. A verdict line is dropped from the
 * findings except for what follows its last verdict (`REVIEW: FAIL missing tests` → `missing tests`).
 */
export function parseVerdict(text: string): Verdict {
  let outcome: ReviewOutcome = 'INCOMPLETE';
  for (const match of text.matchAll(VERDICT)) outcome = match[1] as 'PASS' | 'FAIL';
  const findings = text
    .split('\n')
    .map((line) => (HAS_VERDICT.test(line) ? afterVerdict(line) : line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { outcome, findings: clipStart(findings, MAX_FINDINGS) };
}

/** What a verdict line says after its last verdict, without emphasis markers and separators. */
function afterVerdict(line: string): string {
  let end = 0;
  for (const match of line.matchAll(VERDICT)) end = (match.index ?? 0) + match[0].length;
  return line
    .slice(end)
    .replace(/^[*_`]+/, '')
    .replace(/^[\s:.,;\-–—]+/, '')
    .replace(/[*_`\s]+$/, '')
    .trim();
}

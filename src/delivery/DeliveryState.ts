import type { DroverError } from '../errors.js';

/** How one verify command ended. */
export interface VerifyCommandResult {
  command: string;
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  /** 'exit' normally; 'idle' when the idle watchdog stopped it; 'spawn' when it could not start. */
  reason: 'exit' | 'idle' | 'spawn';
  durationMs: number;
  /** The last lines of its output (masked). */
  tail: string;
}

/** One run of the verify commands: after the agent, after a fix round, or after review fixes. */
export interface VerifyRound {
  round: number;
  after: 'agent' | 'fix' | 'review';
  ok: boolean;
  startedAt: string;
  results: VerifyCommandResult[];
}

export type ReviewOutcome = 'PASS' | 'FAIL' | 'INCOMPLETE';

export interface ReviewCycle {
  cycle: number;
  outcome: ReviewOutcome;
  /** The reviewer's findings (its answer minus the verdict line), masked and bounded. */
  findings: string;
  /** Reviewer runs this cycle took (2 when the first answer had no verdict). */
  attempts: number;
}

/** What the delivery phases learn along the pipeline (reports, PR body, result.json). */
export interface DeliveryState {
  verifyRounds: VerifyRound[];
  reviews: ReviewCycle[];
  /** The executor's agent session, resumed by fix rounds and review fixes. */
  executorSessionId?: string;
  /** The executor's latest final message (PR body summary). */
  executorMessage?: string;
  /**
   * An error that ends the job only after the branch is pushed and a draft PR opened
   * (verify failed with --pr-on-failure; review cap reached → needs_human).
   */
  deferredError?: DroverError;
  prUrl?: string;
  prNumber?: number;
}

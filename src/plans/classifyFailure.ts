import type { FailureClass } from './PlanState.js';

// Failures a second run can cure: the network, the runner, the store, credentials during an outage,
// a push that raced, a hung run. Everything else (the agent's own failure, budgets, verify, no changes,
// bad settings, a person's cancel, the cycle cap) needs a person.
const TRANSIENT = new Set([
  'clone_failed',
  'internal',
  'abandoned',
  'interrupted',
  'credentials',
  'push_failed',
  'watchdog',
]);

export function classifyFailure(errorKind: string): FailureClass {
  return TRANSIENT.has(errorKind) ? 'transient' : 'permanent';
}

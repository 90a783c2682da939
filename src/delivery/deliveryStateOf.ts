import type { JobContext } from '../pipeline/JobContext.js';
import type { DeliveryState } from './DeliveryState.js';

/** The job's delivery state, created on first use. */
export function deliveryState(ctx: JobContext): DeliveryState {
  ctx.delivery ??= { verifyRounds: [], reviews: [] };
  return ctx.delivery;
}

/** The executor's session to resume: captured from the first executor run before any reviewer ran. */
export function executorSession(ctx: JobContext): string | undefined {
  const state = deliveryState(ctx);
  if (!('executorSessionId' in state)) {
    const first = ctx.agentRuns.at(-1);
    state.executorSessionId = first?.sessionId;
    if (first?.message) state.executorMessage = first.message;
  }
  return state.executorSessionId;
}

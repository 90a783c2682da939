import type { JobContext } from '../pipeline/JobContext.js';
import { runAgentOnce } from '../runner/steps/runExecutor.js';
import { deliveryState, executorSession } from './deliveryStateOf.js';

/**
 * Runs the executor again with feedback (failing checks, review findings). Where the agent has a
 * session it is resumed and gets only the feedback; otherwise the feedback follows the task.
 */
export async function rerunExecutor(ctx: JobContext, feedback: string): Promise<void> {
  const session = executorSession(ctx);
  const prompt = session ? feedback : `${ctx.spec.prompt.trim()}\n\n---\n\n${feedback}`;
  const result = await runAgentOnce(ctx, {
    role: 'executor',
    prompt,
    ...(session ? { resumeSessionId: session } : {}),
  });
  const state = deliveryState(ctx);
  if (result.sessionId) state.executorSessionId = result.sessionId;
  if (result.message) state.executorMessage = result.message;
  if (result.error) throw result.error;
}

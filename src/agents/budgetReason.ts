import { GEMINI_TURN_LIMIT } from './geminiStreamParser.js';

/**
 * Reasons (agent.result `reason`) with which an agent says it stopped at its own turn or cost limit
 * (Claude Code: subtype error_max_turns / error_max_budget_usd, terminal_reason max_turns /
 * budget_exhausted; Gemini CLI: FatalTurnLimitedError). The job then ends `failed/budget` like when
 * Drover stops the agent itself.
 */
const LIMITS: Record<string, 'turns' | 'cost'> = {
  max_turns: 'turns',
  error_max_turns: 'turns',
  [GEMINI_TURN_LIMIT]: 'turns',
  budget_exhausted: 'cost',
  error_max_budget_usd: 'cost',
};

export function budgetLimitOf(reason: string | undefined): 'turns' | 'cost' | undefined {
  return reason ? LIMITS[reason] : undefined;
}

import { InvalidInputError } from '../errors.js';
import type { AgentName } from '../jobs/JobSpec.js';
import { ClaudeAgent } from './ClaudeAgent.js';
import { CodexAgent } from './CodexAgent.js';
import { CommandAgent } from './CommandAgent.js';
import { GeminiAgent } from './GeminiAgent.js';
import type { AgentAdapter } from './types.js';

const ADAPTERS: Partial<Record<AgentName, () => AgentAdapter>> = {
  claude: () => new ClaudeAgent(),
  command: () => new CommandAgent(),
  codex: () => new CodexAgent(),
  gemini: () => new GeminiAgent(),
};

export function agentAdapter(name: AgentName): AgentAdapter {
  const make = ADAPTERS[name];
  if (!make) {
    throw new InvalidInputError(`agent: "${name}" is not available in this build`, [
      { path: 'agent', message: `"${name}" is not available in this build` },
    ]);
  }
  return make();
}

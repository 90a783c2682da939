import { InvalidInputError } from '../errors.js';
import type { AgentName } from '../jobs/JobSpec.js';
import { ClaudeAgent } from './ClaudeAgent.js';
import { CommandAgent } from './CommandAgent.js';
import type { AgentAdapter } from './types.js';

const ADAPTERS: Partial<Record<AgentName, () => AgentAdapter>> = {
  claude: () => new ClaudeAgent(),
  command: () => new CommandAgent(),
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

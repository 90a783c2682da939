import type { AgentName } from '../jobs/JobSpec.js';

/** Where each agent CLI comes from: its npm package and the variable that points at its binary. */
export const AGENT_CLIS: Partial<Record<AgentName, { bin: string; binVar: string; npmPackage: string }>> = {
  claude: { bin: 'claude', binVar: 'CLAUDE_BIN', npmPackage: '@anthropic-ai/claude-code' },
  codex: { bin: 'codex', binVar: 'CODEX_BIN', npmPackage: '@openai/codex' },
  gemini: { bin: 'gemini', binVar: 'GEMINI_BIN', npmPackage: '@google/gemini-cli' },
};

/** How to get an agent CLI that was not found. */
export function agentInstallHint(agent: AgentName): string | undefined {
  const cli = AGENT_CLIS[agent];
  return cli ? `install it (npm install -g ${cli.npmPackage}) or point ${cli.binVar} at it` : undefined;
}

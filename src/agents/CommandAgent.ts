import type { ModelWires } from '../pipeline/ModelAccess.js';
import type { AgentAdapter, AgentContext, AgentInvocation } from './types.js';

/**
 * Any shell command as an agent (codemods, aider, scripts): `sh -c <agentCmd>` in the workspace,
 * the prompt in DROVER_PROMPT and on stdin. The reviewer role runs reviewCmd when given.
 */
export class CommandAgent implements AgentAdapter {
  readonly name = 'command' as const;
  readonly structured = false;

  gatewayWires(): 'all' {
    return 'all';
  }

  async prepare(ctx: AgentContext): Promise<AgentInvocation> {
    const cmd = ctx.role === 'reviewer' ? (ctx.spec.reviewCmd ?? ctx.spec.agentCmd) : ctx.spec.agentCmd;
    if (!cmd) throw new Error('agentCmd is required for the command agent');
    return {
      command: '/bin/sh',
      args: ['-c', cmd],
      env: {
        ...ctx.env,
        DROVER_PROMPT: ctx.prompt,
        DROVER_JOB_ID: ctx.job.id,
        DROVER_ROLE: ctx.role,
        DROVER_WORKSPACE: ctx.workspace,
        ...(ctx.model ? { DROVER_MODEL: ctx.model } : {}),
        ...wireEnv(ctx.wires),
      },
      stdin: ctx.prompt,
      secrets: ctx.wires ? [...new Set(Object.values(ctx.wires).map((w) => w.token))] : [],
    };
  }

  createParser(): undefined {
    return undefined;
  }
}

/** The variables Anthropic, OpenAI and Google SDKs (and tools built on them) read, for each wire. */
export function wireEnv(wires: ModelWires | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (wires?.anthropic) {
    env.ANTHROPIC_BASE_URL = wires.anthropic.baseUrl;
    env.ANTHROPIC_API_KEY = wires.anthropic.token;
  }
  if (wires?.openai) {
    env.OPENAI_BASE_URL = wires.openai.baseUrl;
    env.OPENAI_API_KEY = wires.openai.token;
  }
  if (wires?.gemini) {
    env.GOOGLE_GEMINI_BASE_URL = wires.gemini.baseUrl;
    env.GEMINI_API_KEY = wires.gemini.token;
  }
  return env;
}

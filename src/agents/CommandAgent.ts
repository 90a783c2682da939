import type { AgentAdapter, AgentContext, AgentInvocation } from './types.js';

/**
 * Any shell command as an agent (codemods, aider, scripts): `sh -c <agentCmd>` in the workspace,
 * the prompt in DROVER_PROMPT and on stdin. The reviewer role runs reviewCmd when given.
 */
export class CommandAgent implements AgentAdapter {
  readonly name = 'command' as const;
  readonly structured = false;

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
      },
      stdin: ctx.prompt,
      secrets: [],
    };
  }

  createParser(): undefined {
    return undefined;
  }
}

import { join } from 'node:path';
import type { ModelWireName } from '../pipeline/ModelAccess.js';
import { ClaudeStreamParser } from './claudeStreamParser.js';
import { pickEnv } from './pickEnv.js';
import { writeClaudeHookSettings } from './stopHook.js';
import type { AgentAdapter, AgentContext, AgentInvocation } from './types.js';

/** Variables of the runner's environment Claude Code may receive (its endpoint and credentials). */
export const CLAUDE_ENV_KEYS = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'CLAUDE_CODE_MAX_RETRIES',
  'API_TIMEOUT_MS',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'CLOUD_ML_REGION',
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
];
const SECRET_KEYS = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/**
 * Claude Code, headless: the prompt on stdin (argv is limited to 128 KiB per argument), stream-json
 * events on stdout, permissions skipped, state in a per-job CLAUDE_CONFIG_DIR so jobs share nothing.
 */
export class ClaudeAgent implements AgentAdapter {
  readonly name = 'claude' as const;
  readonly structured = true;

  gatewayWires(hostEnv: NodeJS.ProcessEnv): ModelWireName[] | { unsupported: string } {
    if (truthy(hostEnv.CLAUDE_CODE_USE_BEDROCK) || truthy(hostEnv.CLAUDE_CODE_USE_VERTEX))
      return { unsupported: 'Claude Code on Bedrock or Vertex AI signs its own requests' };
    return ['anthropic'];
  }

  async prepare(ctx: AgentContext): Promise<AgentInvocation> {
    const passed = pickEnv(ctx.hostEnv, CLAUDE_ENV_KEYS);
    const wire = ctx.wires?.anthropic;
    if (wire) {
      // The gateway holds the key: Claude Code gets its per-job endpoint and token, nothing else.
      delete passed.ANTHROPIC_AUTH_TOKEN;
      passed.ANTHROPIC_BASE_URL = wire.baseUrl;
      passed.ANTHROPIC_API_KEY = wire.token;
    }
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'];
    if (ctx.model) args.push('--model', ctx.model);
    if (ctx.maxTurns !== undefined) args.push('--max-turns', String(ctx.maxTurns));
    if (ctx.maxCostUsd !== undefined) args.push('--max-budget-usd', String(ctx.maxCostUsd));
    if (ctx.resumeSessionId) args.push('--resume', ctx.resumeSessionId);
    if (ctx.role === 'reviewer') args.push('--permission-mode', 'plan');
    // The Stop hook tells the runner the agent declared itself done (per-job settings file, no ~/.claude edits).
    if (ctx.hookCommand)
      args.push('--settings', await writeClaudeHookSettings(ctx.stateDir, ctx.hookCommand));
    return {
      command: ctx.hostEnv.CLAUDE_BIN || 'claude',
      args,
      env: {
        ...ctx.env,
        ...passed,
        CLAUDE_CONFIG_DIR: join(ctx.stateDir, 'claude'),
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        // Claude Code refuses to skip permissions as root unless told it is sandboxed; Drover is the sandbox.
        ...(process.getuid?.() === 0 ? { IS_SANDBOX: '1' } : {}),
      },
      stdin: ctx.prompt,
      secrets: SECRET_KEYS.map((k) => passed[k]).filter((v): v is string => !!v),
    };
  }

  createParser(): ClaudeStreamParser {
    return new ClaudeStreamParser();
  }
}

function truthy(value: string | undefined): boolean {
  return !!value && value !== '0' && value.toLowerCase() !== 'false';
}

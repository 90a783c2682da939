import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelWireName } from '../pipeline/ModelAccess.js';
import { GeminiStreamParser } from './geminiStreamParser.js';
import { geminiChatReader, type LiveUsageSource } from './liveUsage.js';
import { pickEnv } from './pickEnv.js';
import { fitsInArgv } from './promptArg.js';
import type { AgentAdapter, AgentContext, AgentInvocation } from './types.js';

/** Variables of the runner's environment Gemini CLI may receive (its endpoint and credentials). */
export const GEMINI_ENV_KEYS = [
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_GEMINI_BASE_URL',
  'GOOGLE_GENAI_USE_VERTEXAI',
  'GOOGLE_CLOUD_PROJECT',
  'GOOGLE_CLOUD_LOCATION',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GEMINI_MODEL',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
];
const SECRET_KEYS = ['GEMINI_API_KEY', 'GOOGLE_API_KEY'];

/**
 * Gemini CLI, headless: `gemini -p <prompt> -o stream-json --yolo`, workspace trusted, one process
 * (no self-relaunch, which would outlive a killed parent), and a per-job HOME whose
 * .gemini/settings.json selects the auth type (GEMINI_API_KEY alone exits 41 "Invalid auth method").
 */
export class GeminiAgent implements AgentAdapter {
  readonly name = 'gemini' as const;
  readonly structured = true;

  gatewayWires(hostEnv: NodeJS.ProcessEnv): ModelWireName[] | { unsupported: string } {
    if (hostEnv.GOOGLE_GENAI_USE_VERTEXAI === 'true')
      return { unsupported: 'Gemini CLI on Vertex AI uses Google Cloud credentials' };
    return ['gemini'];
  }

  async prepare(ctx: AgentContext): Promise<AgentInvocation> {
    const passed = pickEnv(ctx.hostEnv, GEMINI_ENV_KEYS);
    const wire = ctx.wires?.gemini;
    if (wire) {
      // The gateway holds the key: Gemini CLI gets its per-job endpoint and token, nothing else.
      delete passed.GOOGLE_API_KEY;
      passed.GOOGLE_GEMINI_BASE_URL = wire.baseUrl;
      passed.GEMINI_API_KEY = wire.token;
    }
    const home = ctx.env.HOME ?? join(ctx.stateDir, 'home');
    await mkdir(join(home, '.gemini'), { recursive: true, mode: 0o700 });
    await writeFile(
      join(home, '.gemini', 'settings.json'),
      JSON.stringify(geminiSettings(passed, ctx.maxTurns), null, 2),
      { mode: 0o600 },
    );
    const viaArgv = fitsInArgv(ctx.prompt);
    // -p is appended to whatever arrives on stdin: a long prompt goes there, -p only points at it.
    const args = ['-p', viaArgv ? ctx.prompt : 'Carry out the task above.', '-o', 'stream-json', '--yolo'];
    const model = ctx.model ?? passed.GEMINI_MODEL;
    if (model) args.push('-m', model);
    if (ctx.resumeSessionId) args.push('--resume', ctx.resumeSessionId);
    return {
      command: ctx.hostEnv.GEMINI_BIN || 'gemini',
      args,
      env: {
        ...ctx.env,
        ...passed,
        HOME: home,
        GEMINI_CLI_TRUST_WORKSPACE: 'true',
        GEMINI_CLI_NO_RELAUNCH: 'true',
      },
      stdin: viaArgv ? null : ctx.prompt,
      secrets: SECRET_KEYS.map((k) => passed[k]).filter((v): v is string => !!v),
    };
  }

  createParser(): GeminiStreamParser {
    return new GeminiStreamParser();
  }

  liveUsage(ctx: AgentContext): LiveUsageSource {
    return {
      dir: join(ctx.env.HOME ?? join(ctx.stateDir, 'home'), '.gemini', 'tmp'),
      createReader: geminiChatReader,
    };
  }
}

/** The per-job settings.json: auth type, no update checks or usage statistics, the turn limit. */
export function geminiSettings(env: Record<string, string>, maxTurns?: number): Record<string, unknown> {
  const vertex = env.GOOGLE_GENAI_USE_VERTEXAI === 'true';
  return {
    security: { auth: { selectedType: vertex ? 'vertex-ai' : 'gemini-api-key' } },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    ...(maxTurns !== undefined ? { model: { maxSessionTurns: maxTurns } } : {}),
  };
}

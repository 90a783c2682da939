import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelWire, ModelWireName } from '../pipeline/ModelAccess.js';
import { CodexJsonParser } from './codexJsonParser.js';
import { codexRolloutReader, type LiveUsageSource } from './liveUsage.js';
import { pickEnv } from './pickEnv.js';
import { fitsInArgv } from './promptArg.js';
import type { AgentAdapter, AgentContext, AgentInvocation } from './types.js';

/** Variables of the runner's environment Codex may receive (besides its API key, renamed below). */
export const CODEX_ENV_KEYS = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'SSL_CERT_FILE'];
/** The variable the generated provider entry reads the key from, inside the agent's environment. */
const KEY_VAR = 'OPENAI_API_KEY';
const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Codex CLI, headless: `codex exec --json` with the prompt as an argument (stdin when it is too long
 * for argv) and stdin closed otherwise (codex waits on an open stdin). Its state lives in a per-job
 * CODEX_HOME whose config.toml declares one provider built from DROVER_CODEX_BASE_URL and the key
 * in DROVER_CODEX_ENV_KEY (default OPENAI_API_KEY): codex ignores OPENAI_BASE_URL.
 *
 * Codex always runs `danger-full-access`: its own bubblewrap sandbox fails silently in containers
 * (commands never run; writes are refused) and cannot nest inside Drover's sandbox, which enforces the
 * job's mode (reviewer: read-only) for every agent alike.
 */
export class CodexAgent implements AgentAdapter {
  readonly name = 'codex' as const;
  readonly structured = true;

  gatewayWires(): ModelWireName[] {
    return ['openai'];
  }

  async prepare(ctx: AgentContext): Promise<AgentInvocation> {
    const codexHome = codexHomeDir(ctx.stateDir);
    await mkdir(codexHome, { recursive: true, mode: 0o700 });
    const model = ctx.model ?? ctx.hostEnv.DROVER_CODEX_MODEL;
    const wire = ctx.wires?.openai;
    await writeFile(join(codexHome, 'config.toml'), codexConfigToml(ctx.hostEnv, model, wire), {
      mode: 0o600,
    });
    // Through the gateway, the per-job token stands in for the key (config.toml names only the variable).
    const key = wire ? wire.token : ctx.hostEnv[ctx.hostEnv.DROVER_CODEX_ENV_KEY || KEY_VAR];

    const opts = ['--json', '--skip-git-repo-check', '-C', ctx.workspace, '--sandbox', 'danger-full-access'];
    if (model) opts.push('-m', model);
    const viaArgv = fitsInArgv(ctx.prompt);
    const promptArg = viaArgv ? ctx.prompt : '-';
    const args = ctx.resumeSessionId
      ? ['exec', ...opts, 'resume', ctx.resumeSessionId, promptArg]
      : ['exec', ...opts, promptArg];
    return {
      command: ctx.hostEnv.CODEX_BIN || 'codex',
      args,
      env: {
        ...ctx.env,
        ...pickEnv(ctx.hostEnv, CODEX_ENV_KEYS),
        CODEX_HOME: codexHome,
        ...(key ? { [KEY_VAR]: key } : {}),
      },
      stdin: viaArgv ? null : ctx.prompt,
      secrets: key ? [key] : [],
    };
  }

  createParser(): CodexJsonParser {
    return new CodexJsonParser();
  }

  liveUsage(ctx: AgentContext): LiveUsageSource {
    return { dir: join(codexHomeDir(ctx.stateDir), 'sessions'), createReader: codexRolloutReader };
  }
}

export function codexHomeDir(stateDir: string): string {
  return join(stateDir, 'codex');
}

/** config.toml for the per-job CODEX_HOME: one provider (the gateway's wire when given), no update checks. */
export function codexConfigToml(
  hostEnv: NodeJS.ProcessEnv,
  model: string | undefined,
  wire?: ModelWire,
): string {
  const baseUrl = wire?.baseUrl ?? (hostEnv.DROVER_CODEX_BASE_URL || DEFAULT_BASE_URL);
  return [
    ...(model ? [`model = ${tomlString(model)}`] : []),
    'model_provider = "drover"',
    'check_for_update_on_startup = false',
    '',
    '[model_providers.drover]',
    'name = "drover"',
    `base_url = ${tomlString(baseUrl)}`,
    `env_key = "${KEY_VAR}"`,
    'wire_api = "responses"',
    '',
  ].join('\n');
}

/** A TOML basic string (JSON string escapes are valid TOML for these characters). */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

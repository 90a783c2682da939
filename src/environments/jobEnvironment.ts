import { pickEnv } from '../agents/pickEnv.js';
import { SetupError } from '../errors.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { agentBaseEnv } from '../runner/agentEnv.js';
import { looksSecret } from './EnvironmentConfig.js';
import type { JobEnvironment } from './types.js';

/**
 * The job's `environment` from DROVER_CONFIG; a job without one gets the `default` environment when
 * the config defines it. Secret-looking values are added to the job's masker.
 */
export function resolveJobEnvironment(ctx: JobContext): JobEnvironment {
  const environments = ctx.config.fileConfig?.environments ?? {};
  const name = ctx.spec.environment ?? (environments.default ? 'default' : undefined);
  if (name === undefined) return { vars: {}, setup: [] };
  const found = environments[name];
  if (!found) {
    const known = Object.keys(environments);
    throw new SetupError(
      ctx.config.fileConfig
        ? `environment: "${name}" is not defined in DROVER_CONFIG (defined: ${known.join(', ') || 'none'}).`
        : `environment: "${name}" was requested but the runner has no DROVER_CONFIG defining environments.`,
    );
  }
  const passed = pickEnv(ctx.config.hostEnv, found.passEnv);
  const vars = { ...found.env, ...passed };
  for (const [key, value] of Object.entries(vars)) if (looksSecret(key)) ctx.masker.add(value);
  return { name, vars, setup: [...found.setup] };
}

/**
 * What the environment and the playbook add to a command's environment (agent, setup, verify). A
 * variable holding the git token never gets through, whatever its name.
 */
export function jobExtraEnv(ctx: JobContext): Record<string, string> {
  const extra = { ...ctx.playbook?.env, ...ctx.environment?.vars };
  return withoutSecrets(extra, ctx);
}

/** The environment for setup and verify commands: the agent's base allow-list plus jobExtraEnv. */
export function jobCommandEnv(ctx: JobContext): Record<string, string> {
  const ws = ctx.workspace!;
  const base = agentBaseEnv(ctx.config.hostEnv, {
    homeDir: ws.homeDir,
    tmpDir: ws.tmpDir,
    extraKeys: ctx.config.agentEnvKeys,
  });
  return withoutSecrets({ ...base, ...jobExtraEnv(ctx), DROVER_JOB_ID: ctx.job.id }, ctx);
}

/** Drops variables whose value is the git token (an operator may have passed it under any name). */
export function withoutSecrets(env: Record<string, string>, ctx: JobContext): Record<string, string> {
  const token = ctx.gitToken ?? ctx.config.gitToken;
  if (!token) return env;
  return Object.fromEntries(Object.entries(env).filter(([, v]) => !v.includes(token)));
}

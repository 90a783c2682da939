import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { RepoDefaults } from '../jobs/RepoDefaults.js';
import { parseYaml } from '../util/parseYaml.js';

/** An environment variable name an environment or playbook may set (never Drover's own or git's). */
export const EnvVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
  .refine((k) => !k.startsWith('DROVER_') && !k.startsWith('GIT_CONFIG_'), {
    message: 'DROVER_* and GIT_CONFIG_* variables are reserved for the runner',
  });

export const SetupCommand = z.string().trim().min(1, 'must not be empty').max(16_384);

/** One named environment: variables and setup commands for every job that asks for it. */
export const Environment = z.strictObject({
  /** Variables set for setup, agent and verify commands. */
  env: z.record(EnvVarName, z.string()).default({}),
  /** Variables passed through from the runner's own environment (their values are masked). */
  passEnv: z.array(EnvVarName).max(100).default([]),
  /** Shell commands run in the workspace before the agent, in order. */
  setup: z.array(SetupCommand).max(50).default([]),
});
export type Environment = z.infer<typeof Environment>;

/** The runner's config file (DROVER_CONFIG, JSON or YAML). */
export const DroverFileConfig = z.strictObject({
  environments: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lowercase name like "node"'),
      Environment,
    )
    .default({}),
  /** Job spec defaults per repository (`match` + job spec fields), applied to every intake. */
  repos: z.array(RepoDefaults).max(1000).default([]),
});
export type DroverFileConfig = z.infer<typeof DroverFileConfig>;

/** Reads and validates DROVER_CONFIG; errors name the file and the field. */
export function loadDroverFileConfig(path: string): DroverFileConfig {
  let value: unknown;
  try {
    // YAML is a superset of JSON: one parser for both.
    value = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`DROVER_CONFIG ${path}: cannot read it (${(err as Error).message})`);
  }
  const parsed = DroverFileConfig.safeParse(value ?? {});
  if (!parsed.success) {
    throw new ConfigError(`DROVER_CONFIG ${path}: ${fieldErrors(parsed.error)}`);
  }
  return parsed.data;
}

/** Variable names whose values are secrets (masked in everything the job writes). */
export function looksSecret(name: string): boolean {
  return /TOKEN|SECRET|PASSW|KEY|CREDENTIAL|AUTH/i.test(name);
}

/** `field.path: problem; ...` for a config file (unknown keys named as such). */
export function fieldErrors(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((k) => `${at ? `${at}.` : ''}${k}: unknown field`).join('; ');
      // A bad record key: say what is wrong with it rather than "Invalid key in record".
      const message =
        issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join(', ') : issue.message;
      return `${at || '(root)'}: ${message}`;
    })
    .join('; ');
}

import { pickEnv } from '../agents/pickEnv.js';

/** Locale and terminal variables every agent may see. */
const BASE_KEYS = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL'];

/**
 * The allow-listed environment an agent starts from: PATH, locale, a per-job HOME and TMPDIR, and
 * the variables an operator explicitly passes on. Nothing else of the runner's environment (no
 * DROVER_* secrets, no git token) gets in; adapters add their own API variables.
 */
export function agentBaseEnv(
  hostEnv: NodeJS.ProcessEnv,
  opts: { homeDir: string; tmpDir: string; extraKeys: readonly string[]; extra?: Record<string, string> },
): Record<string, string> {
  const env = pickEnv(hostEnv, [...BASE_KEYS, ...opts.extraKeys.filter((k) => !isDroverSecret(k))]);
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return {
    ...env,
    HOME: opts.homeDir,
    TMPDIR: opts.tmpDir,
    TERM: 'dumb',
    NO_COLOR: '1',
    CI: 'true',
    GIT_TERMINAL_PROMPT: '0',
    ...opts.extra,
  };
}

function isDroverSecret(key: string): boolean {
  return key.startsWith('DROVER_') || key.startsWith('GIT_CONFIG_');
}

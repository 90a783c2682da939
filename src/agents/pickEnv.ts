/** The named variables of env that are set (non-empty). */
export function pickEnv(env: NodeJS.ProcessEnv, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value) out[key] = value;
  }
  return out;
}

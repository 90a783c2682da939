import { parseRepoUrl } from './repoUrl.js';

/**
 * Environment that makes git send an Authorization header for one URL prefix only, so the token
 * never lands in argv, a remote URL or .git/config. Appends to any GIT_CONFIG_COUNT the caller set.
 */
export function gitAuthEnv(
  base: NodeJS.ProcessEnv,
  repoUrl: string,
  token: string | undefined,
  username = 'x-access-token',
): Record<string, string> {
  const env: Record<string, string> = {};
  const parsed = parseRepoUrl(repoUrl);
  if (!token || !parsed.ok || parsed.location.kind !== 'remote' || !parsed.location.origin) return env;
  const header = `Authorization: Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
  const count = Number.parseInt(base.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  env.GIT_CONFIG_COUNT = String(count + 1);
  env[`GIT_CONFIG_KEY_${count}`] = `http.${parsed.location.origin}/.extraHeader`;
  env[`GIT_CONFIG_VALUE_${count}`] = header;
  return env;
}

/** The header value forms a masker must know, beyond the raw token (base64 variants cover Basic). */
export function gitAuthSecrets(token: string | undefined): string[] {
  return token ? [token] : [];
}

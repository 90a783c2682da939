import { parseRepoUrl } from './repoUrl.js';

export interface RemoteRepo {
  /** Host name without port, lower case. */
  host: string;
  /** Host with its port when the URL had one. */
  authority: string;
  /** The repository path without leading slash or `.git`: `owner/name`, `group/sub/project`. */
  path: string;
  /** The URL's scheme (https, http, ssh, git); 'ssh' for scp-like `user@host:path`. */
  scheme: string;
}

/** Splits a git remote URL into host and repository path; undefined for local paths and file:// URLs. */
export function parseRemoteRepo(url: string): RemoteRepo | undefined {
  const parsed = parseRepoUrl(url);
  if (!parsed.ok || parsed.location.kind !== 'remote') return undefined;
  const { host, port, scheme } = parsed.location;
  const path = parsed.location.path
    .split(/[?#]/)[0]!
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/^\/+/, '');
  if (!path || path.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
  return { host, authority: port ? `${host}:${port}` : host, path, scheme };
}

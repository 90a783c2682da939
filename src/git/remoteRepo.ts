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
  const withScheme = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?([^/:]+|\[[^\]]+\])(?::(\d+))?\/(.+)$/i.exec(url);
  if (withScheme) {
    const scheme = withScheme[1]!.toLowerCase();
    if (scheme === 'file') return undefined;
    const host = withScheme[2]!.toLowerCase();
    const port = withScheme[3];
    return make(host, port ? `${host}:${port}` : host, withScheme[4]!, scheme);
  }
  const scpLike = /^(?:[^@/]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(url);
  if (scpLike) {
    const host = scpLike[1]!.toLowerCase();
    return make(host, host, scpLike[2]!, 'ssh');
  }
  return undefined;
}

function make(host: string, authority: string, rawPath: string, scheme: string): RemoteRepo | undefined {
  const path = decodeURIComponent(rawPath.split(/[?#]/)[0]!)
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/^\/+/, '');
  if (!path || path.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
  return { host, authority, path, scheme };
}

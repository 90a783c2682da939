import { parseRemoteRepo } from '../git/remoteRepo.js';

/**
 * Whether a `repos:` pattern matches a job's repo. Patterns are globs (`*` within a path segment,
 * `**` across segments, `?` one character) tried against `owner/name` (a GitLab project path with
 * its groups), `host/owner/name` and the repo string itself. Case-insensitive, like forge names.
 */
export function matchRepo(pattern: string, repo: string): boolean {
  const re = globToRegExp(pattern);
  const remote = parseRemoteRepo(repo);
  const candidates = remote ? [remote.path, `${remote.host}/${remote.path}`, repo] : [repo];
  return candidates.some((c) => re.test(c));
}

const cache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${out}$`, 'i');
  cache.set(glob, re);
  return re;
}

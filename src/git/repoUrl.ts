/** Schemes a job's repo may use (compared lower-cased, as git does). */
export const REPO_SCHEMES = ['https', 'http', 'ssh', 'git', 'file'] as const;
export type RemoteScheme = 'https' | 'http' | 'ssh' | 'git';

/** A job's repo as git will read it. */
export type RepoLocation =
  | {
      kind: 'remote';
      scheme: RemoteScheme;
      /** Lower case; IPv6 addresses keep their brackets. */
      host: string;
      port?: string;
      user?: string;
      /** The path as written (percent-decoded for URLs), without leading slashes for scp-like URLs. */
      path: string;
      /** `[user@]host:path` (ssh) rather than a URL with a scheme. */
      scpLike: boolean;
      /** `scheme://host[:port]` for http(s) URLs (what an auth header is scoped to). */
      origin?: string;
    }
  | { kind: 'local'; path: string; fileUrl: boolean };

export type ParsedRepoUrl = { ok: true; location: RepoLocation } | { ok: false; problem: string };

const CREDENTIALS = 'must not embed credentials; pass the token through DROVER_GIT_TOKEN instead';
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

const fail = (problem: string): ParsedRepoUrl => ({ ok: false, problem });

/**
 * Parses a job's `repo` once, the way git reads it: `<scheme>://` URLs through the WHATWG parser
 * (scheme lower-cased), scp-like `[user@]host:path` (a colon before any slash) as ssh, anything else as
 * a local path. Refuses what git would refuse or misread as an option, and credentials in the URL.
 * Problems never quote the value (it may hold a secret).
 */
export function parseRepoUrl(input: string): ParsedRepoUrl {
  if (input.length === 0) return fail('must not be empty');
  if (/[\0-\x1f\x7f]/.test(input)) return fail('must not contain control characters');
  if (input !== input.trim()) return fail('must not start or end with spaces');
  if (input.startsWith('-')) return fail('must not start with "-" (it would be read as a git option)');
  const transport = /^([A-Za-z][A-Za-z0-9+.-]*)::/.exec(input);
  if (transport) return fail(`the "${transport[1]!.toLowerCase()}::" transport is not allowed`);
  const scheme = SCHEME.exec(input);
  if (scheme) return parseSchemeUrl(input, scheme[1]!.toLowerCase());
  const scp = scpParts(input);
  if (scp) return parseScpLike(scp.userHost, scp.path);
  return { ok: true, location: { kind: 'local', path: input, fileUrl: false } };
}

function parseSchemeUrl(input: string, scheme: string): ParsedRepoUrl {
  if (!(REPO_SCHEMES as readonly string[]).includes(scheme)) {
    return fail(`the "${scheme}://" scheme is not allowed (use ${REPO_SCHEMES.join(', ')})`);
  }
  if (/\s/.test(input)) return fail('must not contain spaces (percent-encode them as %20)');
  // The raw authority, before any normalisation: `https://@host` or `https://a%40b@host` still carry one.
  const afterScheme = input.slice(input.indexOf('//') + 2);
  const authority = afterScheme.split(/[/?#]/)[0]!;
  // The path as written: WHATWG resolves dot segments, which would hide a `../` from the checks below.
  const rawPath = afterScheme.slice(authority.length).split(/[?#]/)[0]!;
  const atInAuthority = authority.includes('@');
  if (atInAuthority && (scheme === 'https' || scheme === 'http')) return fail(CREDENTIALS);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail('is not a valid URL');
  }
  if (scheme === 'file') {
    if (url.hostname !== '' && url.hostname !== 'localhost')
      return fail('a file:// URL must not name a host');
    if (url.search || url.hash) return fail('a file:// URL must not have a query or fragment');
    // As fileURLToPath does (not imported: the dashboard type-checks this file without Node's types).
    if (/%2f/i.test(url.pathname)) return fail('a file:// URL must not encode "/" in its path');
    const path = safeDecode(url.pathname);
    if (path === undefined) return fail('has invalid percent-encoding');
    if (/[\0-\x1f\x7f]/.test(path)) return fail('must not contain control characters');
    return { ok: true, location: { kind: 'local', path, fileUrl: true } };
  }
  if (url.password) return fail(CREDENTIALS);
  const host = safeDecode(url.hostname)?.toLowerCase();
  const user = url.username ? safeDecode(url.username) : '';
  const path = safeDecode(rawPath);
  if (host === undefined || user === undefined || path === undefined)
    return fail('has invalid percent-encoding');
  const partProblem = partsProblem(host, user);
  if (partProblem) return fail(partProblem);
  if (path.replace(/^\/+/, '') === '') return fail('must name a repository path after the host');
  return {
    ok: true,
    location: {
      kind: 'remote',
      scheme: scheme as RemoteScheme,
      host,
      ...(url.port ? { port: url.port } : {}),
      ...(user ? { user } : {}),
      path,
      scpLike: false,
      ...(scheme === 'https' || scheme === 'http' ? { origin: url.origin } : {}),
    },
  };
}

/** git's rule: scp-like when a colon comes before any slash (`[host]:path` for IPv6). */
function scpParts(input: string): { userHost: string; path: string } | undefined {
  if (input.startsWith('[')) {
    const close = input.indexOf(']:');
    if (close > 0 && !input.slice(0, close).includes('/')) {
      return { userHost: input.slice(1, close), path: input.slice(close + 2) };
    }
    return undefined;
  }
  const colon = input.indexOf(':');
  const slash = input.indexOf('/');
  if (colon <= 0 || (slash !== -1 && slash < colon)) return undefined;
  return { userHost: input.slice(0, colon), path: input.slice(colon + 1) };
}

function parseScpLike(userHost: string, path: string): ParsedRepoUrl {
  // `user:password@host:path`: git would ssh to "user", but the value still carries a secret.
  if (/^[^@/]*@[^/:]+:/.test(path)) return fail(CREDENTIALS);
  const at = userHost.lastIndexOf('@');
  const user = at >= 0 ? userHost.slice(0, at) : '';
  const host = (at >= 0 ? userHost.slice(at + 1) : userHost).toLowerCase();
  if (/\s/.test(host) || /\s/.test(user)) return fail('must not contain spaces in the user or host');
  const partProblem = partsProblem(host, user);
  if (partProblem) return fail(partProblem);
  if (path === '') return fail('must name a repository path after "host:"');
  if (path.startsWith('-')) return fail('the path must not start with "-" (it would be read as an option)');
  return {
    ok: true,
    location: {
      kind: 'remote',
      scheme: 'ssh',
      host,
      ...(user ? { user } : {}),
      path,
      scpLike: true,
    },
  };
}

function partsProblem(host: string, user: string): string | undefined {
  if (host === '') return 'must name a host';
  if (host.startsWith('-')) return 'the host must not start with "-" (ssh would read it as an option)';
  if (user.startsWith('-')) return 'the user must not start with "-" (ssh would read it as an option)';
  if (/[\0-\x20\x7f]/.test(host) || /[\0-\x1f\x7f]/.test(user))
    return 'must not contain spaces or control characters in the user or host';
  return undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Hides credentials in text that may hold repo URLs (a refused payload shown back, a dead letter):
 * the whole userinfo of http(s) URLs, the password of any other scheme's. Case-insensitive.
 */
export function redactUrlCredentials(text: string): string {
  return text
    .replace(/\b(https?:\/\/)[^/?#@\s"]*@/gi, '$1***@')
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/?#:@\s"]*):[^/?#@\s"]*@/gi, '$1:***@');
}

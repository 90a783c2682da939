import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hermeticGitEnv } from './gitRepos.js';

// Smart-HTTP git server for e2e tests: node:http in front of the real `git http-backend` (CGI), so clones,
// fetches and pushes exercise exactly what a real forge would see, including auth headers.

export interface GitHttpServerOptions {
  /** Directory holding `<name>.git` bare repos, served at `<url>/<name>.git`. */
  projectRoot: string;
  /**
   * When set, every request needs `Authorization: Basic base64(<user>:<token>)` (user must equal
   * `username` if given, else anything) or `Authorization: Bearer <token>`; otherwise 401.
   */
  token?: string;
  /**
   * Instead of one fixed token: accepts whatever this returns true for (e.g. the installation tokens a
   * fake GitHub issued, which expire). Same header forms as `token`.
   */
  isValidToken?: (token: string) => boolean;
  username?: string;
  /** Allow pushes (default true). */
  receivePack?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Decoded URL path, without the query string. */
  path: string;
  query: string;
  authorization?: string;
  contentEncoding?: string;
  /** Undefined for chunked bodies. */
  contentLength?: string;
  gitProtocol?: string;
  /** HTTP status we answered with (set once known). */
  status?: number;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` without trailing slash. */
  url: string;
  requests: RecordedRequest[];
  /** stderr lines from http-backend, for debugging failed tests. */
  backendErrors: string[];
  close(): Promise<void>;
}

/** Constant-time string compare; hashing first equalises lengths so length isn't leaked either. */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function isAuthorized(
  header: string | undefined,
  valid: (candidate: string) => boolean,
  username: string | undefined,
): boolean {
  if (!header) return false;
  const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(header);
  if (!m) return false;
  const scheme = (m[1] ?? '').toLowerCase();
  const value = m[2] ?? '';
  if (scheme === 'bearer') return valid(value);
  if (scheme !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const passOk = valid(decoded.slice(colon + 1));
  const userOk = username === undefined || safeEqual(decoded.slice(0, colon), username);
  return passOk && userOk;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Splits a CGI response into status, headers and the bytes after the blank line, if complete. */
function parseCgiHead(
  buf: Buffer,
): { status: number; headers: [string, string][]; rest: Buffer } | undefined {
  let end = buf.indexOf('\r\n\r\n');
  let sepLen = 4;
  const lf = buf.indexOf('\n\n');
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf;
    sepLen = 2;
  }
  if (end < 0) return undefined;
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of buf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers, rest: buf.subarray(end + sepLen) };
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

export async function startGitHttpServer(opts: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: RecordedRequest[] = [];
  const backendErrors: string[] = [];
  const children = new Set<ChildProcess>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorization = firstHeader(req.headers.authorization);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: safeDecode(parsed.pathname) ?? parsed.pathname,
      query: parsed.search.replace(/^\?/, ''),
    };
    if (authorization !== undefined) record.authorization = authorization;
    const encoding = firstHeader(req.headers['content-encoding']);
    if (encoding !== undefined) record.contentEncoding = encoding;
    const length = firstHeader(req.headers['content-length']);
    if (length !== undefined) record.contentLength = length;
    const gitProtocol = firstHeader(req.headers['git-protocol']);
    if (gitProtocol !== undefined) record.gitProtocol = gitProtocol;
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    const fixed = opts.token;
    const valid = opts.isValidToken ?? (fixed !== undefined ? (t: string) => safeEqual(t, fixed) : undefined);
    if (valid && !isAuthorized(authorization, valid, opts.username)) {
      req.resume(); // drain so keep-alive survives
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="drover-test"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const pathInfo = safeDecode(parsed.pathname);
    if (pathInfo === undefined) {
      req.resume();
      res.writeHead(400).end('bad path\n');
      return;
    }

    const receivePack = opts.receivePack ?? true;
    const env = hermeticGitEnv({
      GIT_PROJECT_ROOT: opts.projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      // Config via env so repos created by anyone are pushable without touching their config.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: receivePack ? 'true' : 'false',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      SERVER_SOFTWARE: 'drover-test-git-http',
      REQUEST_METHOD: record.method,
      PATH_INFO: pathInfo,
      QUERY_STRING: record.query,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      // Setting REMOTE_USER alone would also enable receive-pack; http.receivepack above is authoritative.
      REMOTE_USER: valid ? (opts.username ?? 'drover') : undefined,
      CONTENT_TYPE: firstHeader(req.headers['content-type']),
      // Absent for chunked bodies: http-backend then reads stdin to EOF.
      CONTENT_LENGTH: length,
      HTTP_CONTENT_ENCODING: encoding,
      GIT_PROTOCOL: gitProtocol,
    });

    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.stdin.on('error', () => {}); // backend may answer (e.g. 403) without reading the body
    req.pipe(child.stdin);
    child.stderr.on('data', (c: Buffer) => {
      for (const line of c.toString('utf8').split('\n')) if (line.trim()) backendErrors.push(line);
    });

    let head = Buffer.alloc(0);
    let headersSent = false;
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const parsedHead = parseCgiHead(head);
      if (!parsedHead) return;
      headersSent = true;
      child.stdout.off('data', onData);
      child.stdout.pause();
      res.statusCode = parsedHead.status;
      for (const [name, value] of parsedHead.headers) res.appendHeader(name, value);
      if (parsedHead.rest.length > 0) res.write(parsedHead.rest);
      child.stdout.pipe(res);
    };
    child.stdout.on('data', onData);
    child.on('error', (e) => {
      backendErrors.push(String(e));
    });
    child.on('close', (code) => {
      children.delete(child);
      if (!headersSent && !res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`git http-backend exited ${code} without a response\n`);
      }
    });
    res.on('close', () => {
      // Client went away mid-response: don't leave the backend blocked on a full pipe.
      if (!res.writableFinished && child.exitCode === null) child.kill('SIGTERM');
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    requests,
    backendErrors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const child of children) child.kill('SIGTERM');
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

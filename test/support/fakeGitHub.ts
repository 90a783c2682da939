import { createPublicKey, randomBytes, verify as verifySignature } from 'node:crypto';
import { type FakeForge, type ForgeRequest, startFakeForge } from './fakeForge.js';

// A GitHub REST v3 stand-in for the routes Drover uses, with GitHub's payload shapes, optionally under
// a GitHub Enterprise-style prefix (`/api/v3`):
//   GET   /repos/{owner}/{repo}/pulls?head={owner}:{branch}&state=open
//   POST  /repos/{owner}/{repo}/pulls            (422 when an open PR for the head exists)
//   GET   /repos/{owner}/{repo}/pulls/{number}
//   PATCH /repos/{owner}/{repo}/pulls/{number}
//   GET   /repos/{owner}/{repo}/pulls/{number}/comments          (review comments)
//   GET   /repos/{owner}/{repo}/issues/{number}/comments
//   POST  /repos/{owner}/{repo}/issues/{number}/comments
//   PATCH /repos/{owner}/{repo}/issues/comments/{id}
//   POST  /repos/{owner}/{repo}/issues/comments/{id}/reactions, .../pulls/comments/{id}/reactions,
//         .../issues/{number}/reactions
//   GET   /repos/{owner}/{repo}/collaborators/{user}/permission
//   GET   /user
// GitHub App routes, authenticated by an RS256 JWT signed with the App's private key (checked against
// its public key, `iss` = App ID, not expired):
//   GET   /repos/{owner}/{repo}/installation
//   POST  /app/installations/{id}/access_tokens  → a `ghs_` token narrowed to the repositories asked for
// Auth elsewhere: `Authorization: token <t>` or `Bearer <t>` with the static token or an unexpired
// installation token covering the repository, else 401 "Bad credentials".

export interface FakeUser {
  login: string;
  type?: 'User' | 'Bot';
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  /** owner/name of the head's repository when it is a fork. */
  headRepo?: string;
  user?: FakeUser;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  user: FakeUser;
  state: 'open' | 'closed';
}

export interface FakeComment {
  id: number;
  /** The issue or PR number (PR conversation comments are issue comments). */
  issue: number;
  body: string;
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
  /** How many times it was edited through the API. */
  edits: number;
}

export interface FakeReviewComment {
  id: number;
  pull: number;
  path: string;
  /** null: outdated (the line left the diff). */
  line: number | null;
  startLine?: number;
  body: string;
  user: FakeUser;
}

export interface FakeReaction {
  subject: 'issue' | 'issue_comment' | 'review_comment';
  id: number;
  content: string;
  user: string;
}

export interface FakeApp {
  id: number;
  slug: string;
  /** PEM (any format node:crypto reads) of the App's public key. */
  publicKey: string;
  installationId: number;
}

export interface FakeGitHub extends FakeForge {
  pulls: FakePull[];
  issues: FakeIssue[];
  comments: FakeComment[];
  reviewComments: FakeReviewComment[];
  reactions: FakeReaction[];
  /** Collaborator permissions by login (anyone else reads as a public repo's reader). */
  permissions: Record<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>;
  /** Installation tokens issued so far, with the repositories they cover. */
  installationTokens: { token: string; repositories: string[]; expiresAt: number }[];
  /** Answers 503 to every request it returns true for (a GitHub outage). */
  outage: ((req: ForgeRequest) => boolean) | undefined;
  /** True for the static token or an unexpired installation token (the git server asks this). */
  isValidToken(token: string): boolean;
  addIssue(input: { title: string; body?: string; user: string }): FakeIssue;
  addComment(issue: number, input: { body: string; user: string; type?: 'User' | 'Bot' }): FakeComment;
  addPull(input: Omit<FakePull, 'number' | 'draft' | 'state'> & { draft?: boolean }): FakePull;
  addReviewComment(
    pull: number,
    input: Omit<FakeReviewComment, 'id' | 'pull' | 'user'> & { user: string },
  ): FakeReviewComment;
  /** Public user payload (what webhooks carry as `user` / `sender`). */
  userPayload(login: string, type?: 'User' | 'Bot'): Record<string, unknown>;
  /** The repository as webhooks carry it. */
  repositoryPayload(cloneUrl: string): Record<string, unknown>;
  issuePayload(issue: FakeIssue | FakePull, isPull?: boolean): Record<string, unknown>;
  pullPayload(pull: FakePull): Record<string, unknown>;
  commentPayload(comment: FakeComment): Record<string, unknown>;
  reviewCommentPayload(comment: FakeReviewComment): Record<string, unknown>;
}

const b64url = (s: string) => Buffer.from(s, 'base64url');

function verifyJwt(jwt: string, app: FakeApp): boolean {
  const parts = jwt.split('.');
  if (parts.length !== 3) return false;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(b64url(h).toString('utf8')) as { alg?: string };
    const payload = JSON.parse(b64url(p).toString('utf8')) as { iss?: unknown; exp?: number; iat?: number };
    if (header.alg !== 'RS256') return false;
    const ok = verifySignature(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      createPublicKey(app.publicKey),
      b64url(s),
    );
    const now = Math.floor(Date.now() / 1000);
    return (
      ok && String(payload.iss) === String(app.id) && typeof payload.exp === 'number' && payload.exp > now
    );
  } catch {
    return false;
  }
}

export async function startFakeGitHub(opts: {
  /** A static token (personal access token); optional with an App. */
  token?: string;
  owner: string;
  repo: string;
  /** Route prefix, e.g. '/api/v3' for GitHub Enterprise Server. */
  prefix?: string;
  app?: FakeApp;
  /** Who the static token belongs to (GET /user). */
  tokenUser?: string;
}): Promise<FakeGitHub> {
  const fullName = `${opts.owner}/${opts.repo}`;
  const prefix = opts.prefix ?? '';
  const repoPath = `${prefix}/repos/${opts.owner}/${opts.repo}`;
  const base = `${repoPath}/pulls`;
  const pulls: FakePull[] = [];
  const issues: FakeIssue[] = [];
  const comments: FakeComment[] = [];
  const reviewComments: FakeReviewComment[] = [];
  const reactions: FakeReaction[] = [];
  const permissions: FakeGitHub['permissions'] = {};
  const installationTokens: FakeGitHub['installationTokens'] = [];
  let nextNumber = 1;
  let nextId = 1000;
  let forgeUrl = '';
  const web = `https://github.test/${fullName}`;
  const now = () => new Date().toISOString();

  const userPayload = (login: string, type?: 'User' | 'Bot') => ({
    login,
    id: 5000 + [...login].reduce((a, c) => a + c.charCodeAt(0), 0),
    node_id: `U_${login}`,
    avatar_url: `https://avatars.github.test/${login}`,
    url: `${forgeUrl}${prefix}/users/${login}`,
    html_url: `https://github.test/${login}`,
    type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User'),
    site_admin: false,
  });
  const repositoryPayload = (cloneUrl: string) => ({
    id: 777,
    node_id: 'R_777',
    name: opts.repo,
    full_name: fullName,
    private: false,
    owner: userPayload(opts.owner),
    html_url: web,
    description: 'A repository',
    fork: false,
    url: `${forgeUrl}${repoPath}`,
    clone_url: cloneUrl,
    git_url: cloneUrl.replace(/^https?:/, 'git:'),
    ssh_url: `git@github.test:${fullName}.git`,
    default_branch: 'main',
    visibility: 'public',
  });
  const pullPayload = (p: FakePull) => {
    const headOwner = p.headRepo ? p.headRepo.split('/')[0]! : opts.owner;
    return {
      id: 1000 + p.number,
      number: p.number,
      url: `${forgeUrl}${base}/${p.number}`,
      html_url: `${web}/pull/${p.number}`,
      state: p.state,
      locked: false,
      draft: p.draft,
      title: p.title,
      body: p.body,
      user: userPayload(p.user?.login ?? 'drover-app[bot]', p.user?.type),
      merged: false,
      merged_at: null,
      head: {
        ref: p.head,
        label: `${headOwner}:${p.head}`,
        sha: 'a'.repeat(40),
        repo: { full_name: p.headRepo ?? fullName, name: (p.headRepo ?? fullName).split('/')[1] },
      },
      base: {
        ref: p.base,
        label: `${opts.owner}:${p.base}`,
        sha: 'b'.repeat(40),
        repo: { full_name: fullName, name: opts.repo },
      },
      author_association: 'MEMBER',
    };
  };
  const issuePayload = (i: FakeIssue | FakePull, isPull = false) => ({
    url: `${forgeUrl}${repoPath}/issues/${i.number}`,
    repository_url: `${forgeUrl}${repoPath}`,
    html_url: `${web}/${isPull ? 'pull' : 'issues'}/${i.number}`,
    id: 2000 + i.number,
    node_id: `I_${i.number}`,
    number: i.number,
    title: i.title,
    user: userPayload(i.user?.login ?? 'someone', i.user?.type),
    labels: [],
    state: i.state,
    locked: false,
    assignees: [],
    comments: comments.filter((c) => c.issue === i.number).length,
    created_at: now(),
    updated_at: now(),
    author_association: 'MEMBER',
    body: i.body,
    ...(isPull
      ? { pull_request: { url: `${forgeUrl}${base}/${i.number}`, html_url: `${web}/pull/${i.number}` } }
      : {}),
  });
  const commentPayload = (c: FakeComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${forgeUrl}${repoPath}/issues/comments/${c.id}`,
    html_url: `${web}/issues/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${forgeUrl}${repoPath}/issues/${c.issue}`,
    body: c.body,
    user: userPayload(c.user.login, c.user.type),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: 'MEMBER',
  });
  const reviewCommentPayload = (c: FakeReviewComment) => ({
    id: c.id,
    node_id: `PRRC_${c.id}`,
    pull_request_review_id: 9000 + c.id,
    url: `${forgeUrl}${base}/comments/${c.id}`,
    html_url: `${web}/pull/${c.pull}#discussion_r${c.id}`,
    diff_hunk: '@@ -1,3 +1,3 @@',
    path: c.path,
    position: c.line,
    original_position: 1,
    line: c.line,
    original_line: c.line ?? 1,
    start_line: c.startLine ?? null,
    side: 'RIGHT',
    commit_id: 'a'.repeat(40),
    body: c.body,
    user: userPayload(c.user.login, c.user.type),
    created_at: now(),
    updated_at: now(),
    author_association: 'MEMBER',
  });

  /** Who the request is: the static token's user, the App (JWT), an installation, or nobody. */
  const caller = (
    req: ForgeRequest,
  ): { kind: 'token' | 'installation' | 'app'; repos?: string[] } | undefined => {
    const auth = String(req.headers.authorization ?? '');
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    if (!m) return undefined;
    const value = m[1]!;
    if (opts.token && value === opts.token) return { kind: 'token' };
    const inst = installationTokens.find((t) => t.token === value && t.expiresAt > Date.now());
    if (inst) return { kind: 'installation', repos: inst.repositories };
    if (opts.app && verifyJwt(value, opts.app)) return { kind: 'app' };
    return undefined;
  };
  const unauthorized = {
    status: 401,
    body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
  };
  const notFound = {
    status: 404,
    body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
  };
  const commenter = (who: { kind: string }): FakeUser =>
    who.kind === 'installation'
      ? { login: `${opts.app?.slug ?? 'app'}[bot]`, type: 'Bot' }
      : { login: opts.tokenUser ?? 'drover-user' };

  const handle = (req: ForgeRequest) => {
    if (github.outage?.(req)) return { status: 503, body: { message: 'Service Unavailable' } };
    const who = caller(req);
    if (!who) return unauthorized;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const path = req.path;

    if (who.kind === 'app') {
      if (path === `${repoPath}/installation` && req.method === 'GET') {
        return {
          status: 200,
          body: {
            id: opts.app!.installationId,
            app_id: opts.app!.id,
            app_slug: opts.app!.slug,
            account: userPayload(opts.owner),
          },
        };
      }
      const m = new RegExp(`^${prefix}/app/installations/(\\d+)/access_tokens$`).exec(path);
      if (m && req.method === 'POST') {
        if (Number(m[1]) !== opts.app!.installationId) return notFound;
        const asked = Array.isArray(body.repositories) ? (body.repositories as string[]) : [opts.repo];
        if (asked.some((r) => r !== opts.repo)) {
          return {
            status: 422,
            body: { message: 'There is at least one repository that does not exist or is not accessible' },
          };
        }
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        const expiresAt = Date.now() + 3600_000;
        installationTokens.push({ token, repositories: asked.map((r) => `${opts.owner}/${r}`), expiresAt });
        return {
          status: 201,
          body: {
            token,
            expires_at: new Date(expiresAt).toISOString(),
            permissions: { contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
            repository_selection: 'selected',
            repositories: asked.map((name) => ({ id: 777, name, full_name: `${opts.owner}/${name}` })),
          },
        };
      }
      // An App JWT opens App routes only.
      return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
    }
    if (path === `${prefix}/user` && req.method === 'GET') {
      if (who.kind !== 'token')
        return { status: 403, body: { message: 'Resource not accessible by integration' } };
      return { status: 200, body: userPayload(opts.tokenUser ?? 'drover-user') };
    }
    if (!path.startsWith(`${repoPath}/`) && path !== repoPath) return undefined;
    if (who.kind === 'installation' && !who.repos?.includes(fullName)) return notFound;

    if (path === base && req.method === 'GET') {
      const head = req.query.head;
      const state = req.query.state ?? 'open';
      return {
        status: 200,
        body: pulls
          .filter((p) => {
            const headOwner = p.headRepo ? p.headRepo.split('/')[0] : opts.owner;
            return (!head || `${headOwner}:${p.head}` === head) && (state === 'all' || p.state === state);
          })
          .map(pullPayload),
      };
    }
    if (path === base && req.method === 'POST') {
      for (const field of ['title', 'head', 'base'] as const) {
        if (typeof body[field] !== 'string' || !body[field]) {
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'PullRequest', field, code: 'missing_field' }],
            },
          };
        }
      }
      if (pulls.some((p) => p.state === 'open' && p.head === body.head && !p.headRepo)) {
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'PullRequest',
                code: 'custom',
                message: `A pull request already exists for ${opts.owner}:${String(body.head)}.`,
              },
            ],
          },
        };
      }
      const pull: FakePull = {
        number: nextNumber++,
        title: String(body.title),
        body: typeof body.body === 'string' ? body.body : '',
        head: String(body.head),
        base: String(body.base),
        draft: body.draft === true,
        state: 'open',
        user: commenter(who),
      };
      pulls.push(pull);
      return { status: 201, body: pullPayload(pull) };
    }
    let m = new RegExp(`^${base}/(\\d+)$`).exec(path);
    if (m) {
      const pull = pulls.find((p) => p.number === Number(m![1]));
      if (!pull) return notFound;
      if (req.method === 'GET') return { status: 200, body: pullPayload(pull) };
      if (req.method === 'PATCH') {
        if (typeof body.title === 'string') pull.title = body.title;
        if (typeof body.body === 'string') pull.body = body.body;
        if (typeof body.base === 'string') pull.base = body.base;
        if (body.state === 'closed' || body.state === 'open') pull.state = body.state;
        return { status: 200, body: pullPayload(pull) };
      }
    }
    m = new RegExp(`^${base}/(\\d+)/comments$`).exec(path);
    if (m && req.method === 'GET') {
      const list = reviewComments.filter((c) => c.pull === Number(m![1]));
      return { status: 200, body: page(list, req).map(reviewCommentPayload) };
    }
    m = new RegExp(`^${repoPath}/issues/(\\d+)/comments$`).exec(path);
    if (m) {
      const number = Number(m[1]);
      if (!issues.some((i) => i.number === number) && !pulls.some((p) => p.number === number))
        return notFound;
      if (req.method === 'GET') {
        return {
          status: 200,
          body: page(
            comments.filter((c) => c.issue === number),
            req,
          ).map(commentPayload),
        };
      }
      if (req.method === 'POST') {
        if (typeof body.body !== 'string' || !body.body) {
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }],
            },
          };
        }
        const c = addComment(number, { body: body.body, ...commenter(who) });
        return { status: 201, body: commentPayload(c) };
      }
    }
    m = new RegExp(`^${repoPath}/issues/comments/(\\d+)$`).exec(path);
    if (m && req.method === 'PATCH') {
      const c = comments.find((x) => x.id === Number(m![1]));
      if (!c) return notFound;
      if (typeof body.body !== 'string') return { status: 422, body: { message: 'Validation Failed' } };
      c.body = body.body;
      c.updatedAt = now();
      c.edits++;
      return { status: 200, body: commentPayload(c) };
    }
    m = new RegExp(`^${repoPath}/(issues/comments|pulls/comments|issues)/(\\d+)/reactions$`).exec(path);
    if (m && req.method === 'POST') {
      const id = Number(m[2]);
      const subject =
        m[1] === 'issues' ? 'issue' : m[1] === 'issues/comments' ? 'issue_comment' : 'review_comment';
      const exists =
        subject === 'issue'
          ? issues.some((i) => i.number === id) || pulls.some((p) => p.number === id)
          : subject === 'issue_comment'
            ? comments.some((c) => c.id === id)
            : reviewComments.some((c) => c.id === id);
      if (!exists) return notFound;
      const content = String(body.content ?? '');
      if (!['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(content)) {
        return { status: 422, body: { message: 'Validation Failed' } };
      }
      const user = commenter(who).login;
      const existing = reactions.find(
        (r) => r.subject === subject && r.id === id && r.content === content && r.user === user,
      );
      if (!existing) reactions.push({ subject, id, content, user });
      return {
        status: existing ? 200 : 201,
        body: { id: nextId++, content, user: userPayload(user), created_at: now() },
      };
    }
    m = new RegExp(`^${repoPath}/collaborators/([^/]+)/permission$`).exec(path);
    if (m && req.method === 'GET') {
      const login = decodeURIComponent(m[1]!);
      const perm = permissions[login] ?? 'read';
      const permission = perm === 'maintain' ? 'write' : perm === 'triage' ? 'read' : perm;
      return { status: 200, body: { permission, role_name: perm, user: userPayload(login) } };
    }
    return undefined;
  };

  const page = <T>(list: T[], req: ForgeRequest): T[] => {
    const per = Math.min(100, Number(req.query.per_page ?? 30) || 30);
    const p = Math.max(1, Number(req.query.page ?? 1) || 1);
    return list.slice((p - 1) * per, p * per);
  };
  const addComment = (
    issue: number,
    input: { body: string; login?: string; user?: string; type?: 'User' | 'Bot' },
  ) => {
    const login = input.user ?? input.login ?? 'someone';
    const c: FakeComment = {
      id: nextId++,
      issue,
      body: input.body,
      user: { login, ...(input.type ? { type: input.type } : {}) },
      createdAt: now(),
      updatedAt: now(),
      edits: 0,
    };
    comments.push(c);
    return c;
  };

  const forge = await startFakeForge(handle);
  forgeUrl = forge.url;
  const github: FakeGitHub = Object.assign(forge, {
    pulls,
    issues,
    comments,
    reviewComments,
    reactions,
    permissions,
    installationTokens,
    outage: undefined,
    isValidToken: (token: string) =>
      (opts.token !== undefined && token === opts.token) ||
      installationTokens.some((t) => t.token === token && t.expiresAt > Date.now()),
    addIssue(input: { title: string; body?: string; user: string }) {
      const issue: FakeIssue = {
        number: nextNumber++,
        title: input.title,
        body: input.body ?? '',
        user: { login: input.user },
        state: 'open',
      };
      issues.push(issue);
      return issue;
    },
    addComment: (issue: number, input: { body: string; user: string; type?: 'User' | 'Bot' }) =>
      addComment(issue, input),
    addPull(input: Omit<FakePull, 'number' | 'draft' | 'state'> & { draft?: boolean }) {
      const pull: FakePull = { ...input, number: nextNumber++, draft: input.draft ?? false, state: 'open' };
      pulls.push(pull);
      return pull;
    },
    addReviewComment(
      pull: number,
      input: Omit<FakeReviewComment, 'id' | 'pull' | 'user'> & { user: string },
    ) {
      const c: FakeReviewComment = { ...input, id: nextId++, pull, user: { login: input.user } };
      reviewComments.push(c);
      return c;
    },
    userPayload,
    repositoryPayload,
    issuePayload,
    pullPayload,
    commentPayload,
    reviewCommentPayload,
  });
  return github;
}

import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../../test/support/fakeGitHub.js';
import { ForgeApiError } from '../../errors.js';
import type { JobRecord } from '../../jobs/JobRecord.js';
import { forgeJobCredentials } from '../forgeJobCredentials.js';
import { GitHubApi } from './GitHubApi.js';
import { GitHubAppTokens } from './GitHubAppTokens.js';

// The GitHub adapter against the fake GitHub REST API (real HTTP, GitHub Enterprise's /api/v3 prefix).

const TOKEN = 'ghp_unitTest0123456789abcdef';
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});
let github: FakeGitHub;
const repo = { forge: 'github' as const, path: 'acme/app' };

beforeAll(async () => {
  github = await startFakeGitHub({
    token: TOKEN,
    owner: 'acme',
    repo: 'app',
    prefix: '/api/v3',
    tokenUser: 'drover-bot-user',
    app: { id: 55, slug: 'drover-unit', publicKey, installationId: 66 },
  });
});
afterAll(async () => {
  await github?.close();
});

describe('GitHubApi with a token', () => {
  const api = () => new GitHubApi({ baseUrl: `${github.url}/api/v3`, token: TOKEN });

  it('reads permissions: admin/maintain/write can ask, triage/read cannot', async () => {
    Object.assign(github.permissions, {
      a: 'admin',
      m: 'maintain',
      w: 'write',
      t: 'triage',
      r: 'read',
      n: 'none',
    });
    const perms = await Promise.all(
      ['a', 'm', 'w', 't', 'r', 'n'].map((login) => api().permission(repo, { login, bot: false })),
    );
    expect(perms).toEqual(['write', 'write', 'write', 'read', 'read', 'none']);
  });

  it('knows its own login, comments and edits, and reads pulls and review comments', async () => {
    expect(await api().selfLogin(repo)).toBe('drover-bot-user');
    const issue = github.addIssue({ title: 'T', user: 'alice' });
    const id = await api().createComment(repo, { kind: 'issue', number: issue.number }, 'first');
    await api().updateComment(repo, { kind: 'issue', number: issue.number }, id, 'second');
    expect(github.comments.find((c) => String(c.id) === id)).toMatchObject({
      body: 'second',
      edits: 1,
      user: { login: 'drover-bot-user' },
    });
    await api().react(repo, {
      type: 'comment',
      thread: { kind: 'issue', number: issue.number },
      commentId: id,
    });
    expect(github.reactions).toContainEqual({
      subject: 'issue_comment',
      id: Number(id),
      content: 'eyes',
      user: 'drover-bot-user',
    });

    const own = github.addPull({ title: 'Mine', body: 'b', head: 'drover/issue-1', base: 'main' });
    const fork = github.addPull({
      title: 'Theirs',
      body: '',
      head: 'patch',
      base: 'main',
      headRepo: 'eve/app',
    });
    expect(await api().getPull(repo, own.number)).toMatchObject({
      headRef: 'drover/issue-1',
      baseRef: 'main',
      fromFork: false,
      state: 'open',
    });
    expect((await api().getPull(repo, fork.number)).fromFork).toBe(true);
    github.addReviewComment(own.number, { path: 'a.ts', line: 3, startLine: 1, body: 'range', user: 'bob' });
    github.addReviewComment(own.number, { path: 'b.ts', line: null, body: 'outdated', user: 'bob' });
    expect(await api().reviewNotes(repo, own.number)).toEqual([
      { path: 'a.ts', line: 3, startLine: 1, author: 'bob', body: 'range' },
    ]);
  });

  it('reports failures with the HTTP status', async () => {
    const err = await api()
      .getPull(repo, 9999)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForgeApiError);
    expect(err).toMatchObject({
      status: 404,
      message: 'GitHub: reading pull request acme/app#9999 failed (HTTP 404: Not Found)',
    });
    const bad = new GitHubApi({ baseUrl: `${github.url}/api/v3`, token: 'wrong' });
    await expect(bad.permission(repo, { login: 'a', bot: false })).rejects.toMatchObject({ status: 401 });
  });
});

describe('GitHub App tokens', () => {
  it('mint installation tokens narrowed to the repository; a job gets a fresh one each time', async () => {
    const app = new GitHubAppTokens({ appId: '55', privateKey }, `${github.url}/api/v3`);
    const cached = await app.token('acme/app');
    expect(await app.token('acme/app')).toBe(cached);
    const fresh = await app.token('acme/app', 66, { fresh: true });
    expect(fresh).not.toBe(cached);
    expect(github.installationTokens.map((t) => t.repositories)).toEqual([['acme/app'], ['acme/app']]);
    // The installation was looked up once (no installation id given), then remembered.
    expect(github.requests.filter((r) => r.path === '/api/v3/repos/acme/app/installation')).toHaveLength(1);
    const wrongKey = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const impostor = new GitHubAppTokens(
      { appId: '55', privateKey: wrongKey.privateKey },
      `${github.url}/api/v3`,
    );
    await expect(impostor.token('acme/app', 66)).rejects.toMatchObject({ status: 401 });
  });
});

describe('forgeJobCredentials', () => {
  const job = (source: JobRecord['source']) => ({ job: { source } as JobRecord });
  const creds = {
    githubApiUrl: 'https://ghe.invalid/api/v3',
    gitlabApiUrl: 'https://gitlab.example/api/v4',
    gitlabToken: 'glpat-x',
    githubToken: 'ghp_y',
  };

  it('forge jobs get the forge’s token (as the API token too); others fall back', async () => {
    const resolve = forgeJobCredentials(creds, async () => 'from-fallback', 'runner-token');
    expect(await resolve(job({ intake: 'forge', forge: 'gitlab', repo: 'g/p' }))).toEqual({
      token: 'glpat-x',
      username: 'oauth2',
      forApi: true,
    });
    expect(await resolve(job({ intake: 'forge', forge: 'github', repo: 'a/b' }))).toEqual({
      token: 'ghp_y',
      username: 'x-access-token',
      forApi: true,
    });
    expect(await resolve(job({ intake: 'api' }))).toBe('from-fallback');
    expect(await resolve(job(null))).toBe('from-fallback');
    expect(
      await forgeJobCredentials(
        { ...creds, gitlabToken: undefined } as never,
        undefined,
        'runner-token',
      )(job({ intake: 'forge', forge: 'gitlab', repo: 'g/p' })),
    ).toBe('runner-token');
  });

  it('with an App, a GitHub job gets a fresh installation token; a failure is a credentials error', async () => {
    const withApp = forgeJobCredentials(
      { ...creds, githubApiUrl: `${github.url}/api/v3`, githubApp: { appId: '55', privateKey } },
      undefined,
      undefined,
    );
    const got = await withApp(
      job({ intake: 'forge', forge: 'github', repo: 'acme/app', installationId: 66 }),
    );
    expect(got).toMatchObject({ username: 'x-access-token', forApi: true });
    expect(github.isValidToken((got as { token: string }).token)).toBe(true);
    await expect(
      withApp(job({ intake: 'forge', forge: 'github', repo: 'acme/other', installationId: 66 })),
    ).rejects.toMatchObject({
      code: 'E_CREDENTIALS',
      kind: 'credentials',
    });
  });
});

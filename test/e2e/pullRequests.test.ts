import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fakeGitHub.js';
import { type FakeGitLab, startFakeGitLab } from '../support/fakeGitLab.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import {
  type BareRepo,
  commitLog,
  createBareRepo,
  listBranches,
  readFileAtRef,
} from '../support/gitRepos.js';
import { jobLog, phasesOf, systemLines } from '../support/jobLog.js';

const GIT_TOKEN = 'ghs_prGitToken_0123456789abcdef';
const GITLAB_TOKEN = 'glpat-prApiToken-0123456789';

let dataDir: string;
let workDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'drover-e2e-pr-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-e2e-pr-work-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

async function drover(args: string[], env: Record<string, string> = {}) {
  const res = await runDrover(['run', '--data-dir', dataDir, '--json', ...args], {
    env: { DROVER_WORK_DIR: workDir, ...env },
  });
  if (res.code === 2 || !res.stdout.trim()) throw new Error(`drover run: ${res.code} ${res.stderr}`);
  return { code: res.code, record: JSON.parse(res.stdout), stderr: res.stderr };
}

describe('GitHub pull requests', () => {
  let repo: BareRepo;
  let git: GitHttpServer;
  let github: FakeGitHub;
  let remote: string;
  const gh = (...args: string[]) => [
    '--repo',
    remote,
    '--pr',
    '--pr-provider',
    'github',
    '--github-api-url',
    github.url,
    ...args,
  ];
  // The API token falls back to the git token; DROVER_PUBLIC_URL makes the job link.
  const env = { DROVER_GIT_TOKEN: GIT_TOKEN, DROVER_PUBLIC_URL: 'https://drover.test/' };

  beforeAll(async () => {
    repo = await createBareRepo({ name: 'acme/app' });
    git = await startGitHttpServer({ projectRoot: repo.dir, token: GIT_TOKEN });
    github = await startFakeGitHub({ token: GIT_TOKEN, owner: 'acme', repo: 'app' });
    remote = `${git.url}/acme/app.git`;
  });
  afterAll(async () => {
    await github?.close();
    await git?.close();
    await repo?.cleanup();
  });

  it('opens a PR once, updates it when a follow-up job continues the branch, and again after --reset-branch', async () => {
    const first = await drover(
      gh(
        '--branch',
        'feat/pr',
        '--prompt',
        'Add hello notes\n\nKeep them short.',
        '--agent-cmd',
        'echo one >> notes.txt',
        '--verify',
        'test -f notes.txt',
      ),
      env,
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.record).toMatchObject({ status: 'succeeded', prUrl: 'https://github.test/acme/app/pull/1' });
    const [list, post] = github.requests;
    expect(list).toMatchObject({
      method: 'GET',
      path: '/repos/acme/app/pulls',
      query: { head: 'acme:feat/pr', state: 'open' },
    });
    expect(list?.headers.authorization).toBe(`token ${GIT_TOKEN}`);
    expect(post).toMatchObject({
      method: 'POST',
      path: '/repos/acme/app/pulls',
      body: { head: 'feat/pr', base: 'main', title: 'Add hello notes', draft: false },
    });
    const body = bodyField(post, 'body');
    expect(body).toContain('## Task\n\n> Add hello notes\n> \n> Keep them short.');
    expect(body).toContain('✅ Passed.');
    expect(body).toMatch(/- ✅ `test -f notes\.txt` — passed \(/);
    expect(body).toContain(`https://drover.test/jobs/${first.record.id}`);
    expect(body).toContain(`- Commit: ${first.record.commit} on \`feat/pr\``);
    const log = await jobLog(first.record.id, dataDir);
    expect(systemLines(log, 'pr').map((e) => e.line)).toEqual([
      'Opened pull request #1: https://github.test/acme/app/pull/1',
    ]);

    // A new job on the same branch continues it and updates the same PR.
    const second = await drover(
      gh('--branch', 'feat/pr', '--prompt', 'Follow-up fix', '--agent-cmd', 'echo two >> notes.txt'),
      env,
    );
    expect(second.record).toMatchObject({
      status: 'succeeded',
      prUrl: 'https://github.test/acme/app/pull/1',
    });
    expect(await readFileAtRef(repo.bareDir, 'feat/pr', 'notes.txt')).toBe('one\ntwo\n');
    expect((await commitLog(repo.bareDir, 'main..feat/pr')).map((c) => c.sha)).toEqual([
      second.record.commit,
      first.record.commit,
    ]);
    const patch = github.requests.at(-1);
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: '/repos/acme/app/pulls/1',
      body: { title: 'Follow-up fix', base: 'main' },
    });
    expect(bodyField(patch, 'body')).toContain(second.record.id);

    // --reset-branch starts from the base and replaces the branch; the PR is updated again.
    const third = await drover(
      gh(
        '--branch',
        'feat/pr',
        '--reset-branch',
        '--prompt',
        'Start over',
        '--agent-cmd',
        'echo three >> notes.txt',
      ),
      env,
    );
    expect(third.record).toMatchObject({ status: 'succeeded', prUrl: 'https://github.test/acme/app/pull/1' });
    expect(await readFileAtRef(repo.bareDir, 'feat/pr', 'notes.txt')).toBe('three\n');
    expect((await commitLog(repo.bareDir, 'main..feat/pr')).map((c) => c.sha)).toEqual([third.record.commit]);
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]).toMatchObject({ title: 'Start over', draft: false, state: 'open' });
  });

  it('with --pr-on-failure, pushes a failing change as a draft PR carrying the report, and still fails/verify', async () => {
    const res = await drover(
      [
        '--repo',
        remote,
        '--pr-on-failure',
        '--pr-provider',
        'github',
        '--github-api-url',
        github.url,
        '--branch',
        'feat/broken',
        '--prompt',
        'Break the build',
        '--agent-cmd',
        'echo broken > broken.txt',
        '--verify',
        'echo "1 test failed: expected 2, got 3"; exit 3',
        '--fix-rounds',
        '0',
      ],
      env,
    );
    expect(res.code).toBe(1);
    expect(res.record).toMatchObject({ status: 'failed', errorKind: 'verify' });
    expect(res.record.prUrl).toMatch(/^https:\/\/github\.test\/acme\/app\/pull\/\d+$/);
    expect(await readFileAtRef(repo.bareDir, 'feat/broken', 'broken.txt')).toBe('broken\n');
    const post = github.requests.filter((r) => r.method === 'POST').at(-1);
    expect(post?.body).toMatchObject({ head: 'feat/broken', draft: true, title: 'Break the build' });
    const body = bodyField(post, 'body');
    expect(body).toContain('**Draft — Verification failed.**');
    expect(body).toContain('❌ Failed.');
    expect(body).toContain('1 test failed: expected 2, got 3');
    expect(body).toMatch(/— exit 3 \(/);
  });

  it('reports an API error as failed/delivery after the push', async () => {
    const res = await drover(
      gh('--branch', 'feat/badtoken', '--prompt', 'Bad API token', '--agent-cmd', 'echo x > x.txt'),
      { ...env, DROVER_GITHUB_TOKEN: 'ghp_wrongToken_abcdef0123456789' },
    );
    expect(res.code).toBe(1);
    expect(res.record).toMatchObject({ status: 'failed', errorKind: 'delivery', prUrl: null });
    expect(res.record.errorMessage).toBe(
      'GitHub: looking up the open pull request in acme/app failed (HTTP 401: Bad credentials).',
    );
    expect(await listBranches(repo.bareDir)).toContain('feat/badtoken');
  });

  it('checks the PR settings before cloning or running the agent', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['--repo', remote, '--pr', '--github-api-url', github.url],
        {},
        'No API token for GitHub: set DROVER_GITHUB_TOKEN',
      ],
      [
        ['--repo', remote, '--pr'],
        env,
        'Cannot tell whether 127.0.0.1 is GitHub or GitLab; pass --pr-provider',
      ],
      [['--repo', repo.bareDir, '--pr'], env, 'is a local path or file URL'],
      [
        [
          '--repo',
          `${git.url}/acme/app/extra.git`,
          '--pr',
          '--pr-provider',
          'github',
          '--github-api-url',
          github.url,
        ],
        env,
        'The GitHub repository path "acme/app/extra" is not owner/name.',
      ],
    ];
    for (const [args, extraEnv, message] of cases) {
      const res = await drover([...args, '--prompt', 'Never runs', '--agent-cmd', 'touch ran.txt'], extraEnv);
      expect(res.record).toMatchObject({ status: 'failed', errorKind: 'delivery' });
      expect(res.record.errorMessage).toContain(message);
      const phases = phasesOf(await jobLog(res.record.id, dataDir));
      expect(phases).toContain('preflight');
      expect(phases).not.toContain('cloning');
      expect(phases).not.toContain('agent');
    }
  });

  it('refuses a malformed API URL flag before anything runs, naming the flag', async () => {
    const res = await runDrover(
      [
        'run',
        '--data-dir',
        dataDir,
        '--repo',
        remote,
        '--prompt',
        'x',
        '--agent-cmd',
        'true',
        '--github-api-url',
        'not a url',
      ],
      { env: { DROVER_WORK_DIR: workDir } },
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--github-api-url: must be an http(s) URL');
    const bad = await runDrover(
      ['run', '--data-dir', dataDir, '--repo', remote, '--prompt', 'x', '--agent-cmd', 'true'],
      {
        env: { DROVER_WORK_DIR: workDir, DROVER_GITLAB_API_URL: 'ftp://gitlab.example' },
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DROVER_GITLAB_API_URL: must be an http(s) URL');
  });
});

describe('GitLab merge requests', () => {
  let repo: BareRepo;
  let git: GitHttpServer;
  let gitlab: FakeGitLab;
  let remote: string;

  beforeAll(async () => {
    repo = await createBareRepo({ name: 'group/sub/proj' });
    git = await startGitHttpServer({ projectRoot: repo.dir, token: GIT_TOKEN });
    gitlab = await startFakeGitLab({ token: GITLAB_TOKEN, project: 'group/sub/proj' });
    remote = `${git.url}/group/sub/proj.git`;
  });
  afterAll(async () => {
    await gitlab?.close();
    await git?.close();
    await repo?.cleanup();
  });

  it('opens an MR once and updates it on the next job for the branch (provider from the API URL’s host)', async () => {
    const env = {
      DROVER_GIT_TOKEN: GIT_TOKEN,
      DROVER_GITLAB_TOKEN: GITLAB_TOKEN,
      DROVER_GITLAB_API_URL: gitlab.url,
    };
    const args = (prompt: string, cmd: string) => [
      '--repo',
      remote,
      '--pr',
      '--branch',
      'feat/mr',
      '--prompt',
      prompt,
      '--agent-cmd',
      cmd,
    ];
    const first = await drover(args('Add a changelog', 'echo a >> CHANGELOG.md'), env);
    expect(first.code, first.stderr).toBe(0);
    const url = 'https://gitlab.test/group/sub/proj/-/merge_requests/1';
    expect(first.record).toMatchObject({ status: 'succeeded', prUrl: url });
    const base = '/api/v4/projects/group%2Fsub%2Fproj/merge_requests';
    expect(gitlab.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${base}`, `POST ${base}`]);
    expect(gitlab.requests[0]?.query).toEqual({ source_branch: 'feat/mr', state: 'opened' });
    expect(gitlab.requests[1]?.headers['private-token']).toBe(GITLAB_TOKEN);
    expect(gitlab.requests[1]?.body).toMatchObject({
      source_branch: 'feat/mr',
      target_branch: 'main',
      title: 'Add a changelog',
    });
    expect(bodyField(gitlab.requests[1], 'description')).toContain(first.record.id);

    const second = await drover(args('Extend the changelog', 'echo b >> CHANGELOG.md'), env);
    expect(second.record).toMatchObject({ status: 'succeeded', prUrl: url });
    expect(gitlab.requests.slice(2).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${base}`,
      `PUT ${base}/1`,
    ]);
    expect(gitlab.requests[3]?.body).toMatchObject({ title: 'Extend the changelog', target_branch: 'main' });
    expect(gitlab.mergeRequests).toHaveLength(1);
    expect(await readFileAtRef(repo.bareDir, 'feat/mr', 'CHANGELOG.md')).toBe('a\nb\n');
    const log = await jobLog(second.record.id, dataDir);
    expect(systemLines(log, 'pr').map((e) => e.line)).toEqual([`Updated merge request !1: ${url}`]);
  });
});

/** A string field of a recorded forge request's JSON body ('' when absent). */
function bodyField(req: { body: unknown } | undefined, field: string): string {
  const value = (req?.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : '';
}

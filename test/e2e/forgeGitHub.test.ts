import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type ServeHandle, startServe, TEST_TOKEN } from '../support/droverServer.js';
import { type FakeGitHub, type FakeIssue, type FakePull, startFakeGitHub } from '../support/fakeGitHub.js';
import {
  api,
  credentialOf,
  type JobJson,
  jobCount,
  recordingAgent,
  waitFor,
  waitForJob,
  writeRepoConfig,
} from '../support/forgeTestBed.js';
import {
  issueCommentPayload,
  issuesPayload,
  postGitHub,
  postOversized,
  reviewCommentPayload,
  reviewPayload,
  signGitHub,
} from '../support/forgeWebhooks.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import {
  type BareRepo,
  commitLog,
  createBareRepo,
  gitIn,
  listBranches,
  readFileAtRef,
} from '../support/gitRepos.js';

// `drover serve` (built CLI) as a GitHub App: signed webhooks of GitHub's real shapes, a fake GitHub
// REST API under a GitHub Enterprise-style /api/v3 prefix (App JWT checked against the App's public
// key, installation tokens, reactions, comments, permissions, pulls, review comments), and the real
// `git http-backend` accepting only the installation tokens the fake issued.

const SECRET = 'whsec-github-0123456789abcdef';
const APP_ID = 12345;
const INSTALLATION = 777001;
const APP_LOGIN = 'drover-test[bot]';

let tmp: string;
let repo: BareRepo;
let github: FakeGitHub;
let git: GitHttpServer;
let serve: ServeHandle;
let cloneUrl: string;
let releaseFile: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'drover-forge-gh-'));
  releaseFile = join(tmp, 'release');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const keyFile = join(tmp, 'app.pem');
  writeFileSync(keyFile, privateKey, { mode: 0o600 });
  repo = await createBareRepo({ name: 'acme/app' });
  github = await startFakeGitHub({
    owner: 'acme',
    repo: 'app',
    prefix: '/api/v3',
    app: { id: APP_ID, slug: 'drover-test', publicKey, installationId: INSTALLATION },
  });
  git = await startGitHttpServer({ projectRoot: repo.dir, isValidToken: (t) => github.isValidToken(t) });
  cloneUrl = `${git.url}/acme/app.git`;
  for (const [login, perm] of [
    ['alice', 'admin'],
    ['bob', 'write'],
    ['rita', 'read'],
  ] as const) {
    github.permissions[login] = perm;
  }
  serve = await startServe({
    env: {
      DROVER_CONFIG: writeRepoConfig(tmp, 'acme/app', recordingAgent(releaseFile)),
      DROVER_GITHUB_WEBHOOK_SECRET: SECRET,
      DROVER_GITHUB_APP_ID: String(APP_ID),
      DROVER_GITHUB_APP_PRIVATE_KEY_FILE: keyFile,
      DROVER_GITHUB_API_URL: `${github.url}/api/v3`,
      DROVER_PUBLIC_URL: 'https://drover.test',
    },
  });
});

afterAll(async () => {
  await serve?.stop();
  await git?.close();
  await github?.close();
  await repo?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const droverComments = (issue: number) =>
  github.comments.filter((c) => c.issue === issue && c.user.login === APP_LOGIN);
const send = (event: string, payload: unknown, delivery?: string) =>
  postGitHub(serve.url, { event, payload, secret: SECRET, ...(delivery ? { delivery } : {}) });
const common = () => ({ cloneUrl, installationId: INSTALLATION });
/** `user` comments `body` on the issue or PR: Drover's answer to the webhook. */
const commentOn = (on: FakeIssue | FakePull, body: string, user: string) => {
  const comment = github.addComment(on.number, { body, user });
  return send('issue_comment', issueCommentPayload(github, { ...common(), on, comment }));
};
const jobExists = async (id: string) =>
  (await fetch(`${serve.url}/api/jobs/${id}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).ok;

describe('@drover on GitHub', () => {
  let issue: FakeIssue;
  let first: JobJson;
  let firstDelivery: { delivery: string; payload: unknown };

  it('comment → 👀 → job → branch pushed with the installation token → PR → the same comment edited', async () => {
    issue = github.addIssue({
      title: 'Fix the flaky date test',
      body: 'The date test fails at midnight.',
      user: 'alice',
    });
    const comment = github.addComment(issue.number, {
      body: '@drover fix the flaky date test',
      user: 'alice',
    });
    const payload = issueCommentPayload(github, { ...common(), on: issue, comment });
    const res = await send('issue_comment', payload);
    firstDelivery = { delivery: res.delivery, payload };
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', branch: `drover/issue-${issue.number}` });

    await waitFor(
      () =>
        github.reactions.find(
          (r) => r.subject === 'issue_comment' && r.id === comment.id && r.content === 'eyes',
        ),
      'the 👀 reaction',
    );
    // The one Drover comment appears with the job id and a dashboard link while the job runs or soon after.
    const jobId = String(res.body.jobId);
    await waitFor(() => droverComments(issue.number).length === 1, 'the Drover comment');
    expect(droverComments(issue.number)[0]!.body).toContain(`https://drover.test/#/jobs/${jobId}`);

    first = await waitForJob(serve.url, jobId);
    expect(first, first.errorMessage ?? '').toMatchObject({
      status: 'succeeded',
      branch: `drover/issue-${issue.number}`,
      source: {
        intake: 'forge',
        forge: 'github',
        repo: 'acme/app',
        kind: 'issue',
        number: issue.number,
        commentId: String(comment.id),
        deliveryId: res.delivery,
        author: 'alice',
        installationId: INSTALLATION,
      },
    });
    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0]!;
    expect(pull).toMatchObject({
      head: `drover/issue-${issue.number}`,
      base: 'main',
      title: 'Fix the flaky date test',
    });
    expect(first.prUrl).toBe(`https://github.test/acme/app/pull/${pull.number}`);

    // Edited, not a second comment: the PR link, duration, the job.
    const final = await waitFor(
      () => droverComments(issue.number).find((c) => c.body.includes(first.prUrl!)),
      'the comment edited with the PR URL',
    );
    expect(droverComments(issue.number)).toHaveLength(1);
    expect(final.edits).toBeGreaterThanOrEqual(1);
    expect(final.body).toMatch(
      /^✅ Done: Drover job \[`[0-9a-z]{8}`\]\(https:\/\/drover\.test\/#\/jobs\/[0-9a-z]+\) \*\*succeeded\*\* · took /,
    );

    // `drover status` names where the job came from.
    const status = await runDrover(['status', first.id, '--data-dir', serve.dataDir]);
    expect(status.stdout).toContain(`source     github acme/app#${issue.number} by @alice`);

    // The branch is on the remote, pushed with an installation token the fake GitHub minted for this repo.
    expect(await listBranches(repo.bareDir)).toContain(`drover/issue-${issue.number}`);
    const pushes = git.requests.filter((r) => r.path.endsWith('/git-receive-pack') && r.status === 200);
    expect(pushes.length).toBeGreaterThan(0);
    const issued = github.installationTokens.map((t) => t.token);
    for (const r of git.requests.filter((x) => x.status === 200)) {
      const [user, token] = (credentialOf(r.authorization) ?? '').split(':');
      expect(user).toBe('x-access-token');
      expect(issued).toContain(token);
    }
    expect(github.installationTokens.every((t) => t.repositories.join() === 'acme/app')).toBe(true);

    // The prompt: Drover's own headline, the request and the issue fenced as data.
    const prompt = await readFileAtRef(repo.bareDir, `drover/issue-${issue.number}`, 'prompts/1.txt');
    expect(prompt?.split('\n')[0]).toBe(`Resolve issue #${issue.number} in acme/app`);
    expect(prompt).toContain(
      '### The comment by @alice that asked for this\n\n```text\n@drover fix the flaky date test\n```',
    );
    expect(prompt).toContain('```text\nThe date test fails at midnight.\n```');
  });

  it('a review + "@drover address the review" → a second commit on the same branch, the same PR updated', async () => {
    const pull = github.pulls[0]!;
    github.addReviewComment(pull.number, {
      path: 'src/greet.mjs',
      line: 2,
      body: 'Handle leap years here too.',
      user: 'bob',
    });
    github.addReviewComment(pull.number, {
      path: 'README.md',
      line: null,
      body: 'An outdated remark.',
      user: 'bob',
    });
    const res = await send(
      'pull_request_review',
      reviewPayload(github, { ...common(), pull, body: '@drover address the review', user: 'bob' }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', branch: pull.head });
    const second = await waitForJob(serve.url, String(res.body.jobId));
    expect(second, second.errorMessage ?? '').toMatchObject({
      status: 'succeeded',
      prUrl: first.prUrl,
      branch: pull.head,
    });
    expect(second.source).toMatchObject({ kind: 'pr', number: pull.number, author: 'bob' });

    expect((await commitLog(repo.bareDir, `main..${pull.head}`)).map((c) => c.sha)).toEqual([
      second.commit,
      first.commit,
    ]);
    expect(github.pulls).toHaveLength(1);
    expect(
      github.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/repos/acme/app/pulls'),
    ).toHaveLength(1);
    const patches = github.requests.filter(
      (r) => r.method === 'PATCH' && r.path === `/api/v3/repos/acme/app/pulls/${pull.number}`,
    );
    expect(patches).toHaveLength(1);
    expect(github.pulls[0]!.title).toBe('Fix the flaky date test');

    const prompt = await readFileAtRef(repo.bareDir, pull.head, 'prompts/2.txt');
    expect(prompt?.split('\n')[0]).toBe(`Follow up on pull request #${pull.number} in acme/app`);
    expect(prompt).toContain('### Unresolved review comments (file:line, author, comment)');
    expect(prompt).toContain('src/greet.mjs:2 — @bob\nHandle leap years here too.');
    expect(prompt).not.toContain('An outdated remark.');
    expect(prompt).toContain('```text\n@drover address the review\n```');

    // Reviews take no reactions: the 👀 is on the PR; the report is a comment in the PR's conversation.
    expect(github.reactions.some((r) => r.subject === 'issue' && r.id === pull.number)).toBe(true);
    await waitFor(
      () => droverComments(pull.number).find((c) => c.body.includes('✅ Done')),
      'the PR comment',
    );
  });

  it('a review comment with the mention runs on the PR branch too', async () => {
    const pull = github.pulls[0]!;
    const rc = github.addReviewComment(pull.number, {
      path: 'src/greet.mjs',
      line: 1,
      body: '@drover rename greet to hello',
      user: 'alice',
    });
    const res = await send(
      'pull_request_review_comment',
      reviewCommentPayload(github, { ...common(), pull, comment: rc }),
    );
    expect(res.status).toBe(202);
    const third = await waitForJob(serve.url, String(res.body.jobId));
    expect(third.status).toBe('succeeded');
    expect(await commitLog(repo.bareDir, `main..${pull.head}`)).toHaveLength(3);
    expect(github.pulls).toHaveLength(1);
    expect(github.reactions.some((r) => r.subject === 'review_comment' && r.id === rc.id)).toBe(true);
  });

  it('on a PR a person opened, Drover pushes to its branch and leaves title and description alone', async () => {
    await gitIn(repo.bareDir, 'branch', 'feature/tidy', 'main');
    const human = github.addPull({
      title: 'Tidy the greeting',
      body: 'My own description.',
      head: 'feature/tidy',
      base: 'main',
      user: { login: 'bob' },
    });
    const res = await commentOn(human, '@drover please add a test for this', 'bob');
    expect(res.body).toMatchObject({ status: 'queued', branch: 'feature/tidy' });
    const job = await waitForJob(serve.url, String(res.body.jobId));
    expect(job).toMatchObject({ status: 'succeeded', branch: 'feature/tidy', prUrl: null });
    expect(await commitLog(repo.bareDir, 'main..feature/tidy')).toHaveLength(1);
    expect(github.pulls.find((p) => p.number === human.number)).toMatchObject({
      title: 'Tidy the greeting',
      body: 'My own description.',
    });
    expect(
      github.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/pulls/${human.number}`)),
    ).toHaveLength(0);
    expect(github.pulls.filter((p) => p.head === 'feature/tidy')).toHaveLength(1);
    await waitFor(() => droverComments(human.number).find((x) => x.body.startsWith('✅ Done')), 'the report');
  });

  it('a failed job: the comment says why in one sentence, with the end of the output', async () => {
    const failing = github.addIssue({ title: 'Break it', body: 'please', user: 'alice' });
    const res = await commentOn(failing, '@drover FAILNOW', 'alice');
    const job = await waitForJob(serve.url, String(res.body.jobId));
    expect(job).toMatchObject({ status: 'failed', errorKind: 'agent_exit', prUrl: null });
    const report = await waitFor(
      () => droverComments(failing.number).find((x) => x.body.startsWith('❌ Failed')),
      'the failure report',
    );
    expect(report.body).toContain('**failed** (`agent_exit`)');
    expect(report.body).toContain(`> ${job.errorMessage}`);
    expect(report.body).toContain('<details><summary>End of the output</summary>');
    expect(report.body).toContain(
      '```text\nchecking the dates\nassertion failed: expected 2, got 3 @carol\n```',
    );
    expect(github.pulls.filter((p) => p.head === `drover/issue-${failing.number}`)).toHaveLength(0);
  });

  it('a redelivery never queues a second job', async () => {
    const before = await jobCount(serve.url);
    const res = await send('issue_comment', firstDelivery.payload, firstDelivery.delivery);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'duplicate' });
    expect(await jobCount(serve.url)).toBe(before);
  });

  it('a bad or missing signature is 401 and queues nothing', async () => {
    const before = await jobCount(serve.url);
    const payload = issueCommentPayload(github, {
      ...common(),
      on: issue,
      comment: github.addComment(issue.number, { body: '@drover do it', user: 'alice' }),
    });
    const wrong = await postGitHub(serve.url, {
      event: 'issue_comment',
      payload,
      secret: 'not-the-secret-0123456789',
    });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'E_BAD_SIGNATURE' } });
    const missing = await postGitHub(serve.url, {
      event: 'issue_comment',
      payload,
      secret: SECRET,
      signature: null,
    });
    expect(missing.status).toBe(401);
    // Signed over other bytes than the ones sent.
    const tampered = await postGitHub(serve.url, {
      event: 'issue_comment',
      payload,
      secret: SECRET,
      signature: signGitHub(SECRET, JSON.stringify(payload)),
      raw: JSON.stringify({ ...payload, action: 'created ' }),
    });
    expect(tampered.status).toBe(401);
    expect(await jobCount(serve.url)).toBe(before);
  });

  it('a reader gets no job and one polite reply, however often they ask', async () => {
    const before = await jobCount(serve.url);
    const ask = () => commentOn(issue, '@drover please fix this', 'rita');
    const one = await ask();
    expect(one.body).toMatchObject({ status: 'refused', replied: true });
    const two = await ask();
    expect(two.body).toMatchObject({ status: 'refused', replied: false });
    const reply = await waitFor(
      () => droverComments(issue.number).find((c) => c.body.includes('Sorry @rita')),
      'the reply to the reader',
    );
    expect(reply.body).toContain('only people with write access');
    expect(droverComments(issue.number).filter((c) => c.body.includes('@rita'))).toHaveLength(1);
    expect(await jobCount(serve.url)).toBe(before);
  });

  it('a fork PR gets a refusal and nothing is pushed', async () => {
    const before = await jobCount(serve.url);
    const fork = github.addPull({
      title: 'Fork change',
      body: 'from a fork',
      head: 'patch-1',
      base: 'main',
      headRepo: 'mallory/app',
      user: { login: 'mallory' },
    });
    const res = await commentOn(fork, '@drover finish this please', 'alice');
    expect(res.body).toMatchObject({ status: 'refused' });
    const reply = await waitFor(
      () => droverComments(fork.number).find((x) => x.body.includes('fork')),
      'the fork refusal',
    );
    expect(reply.body).toContain('Drover does not push to forks');
    expect(await listBranches(repo.bareDir)).not.toContain('patch-1');
    expect(await jobCount(serve.url)).toBe(before);
  });

  it('bad input gets a defined answer and leaves no half-made job', async () => {
    const before = await jobCount(serve.url);
    const post = (event: string, raw: string | Buffer, contentType?: string) =>
      postGitHub(serve.url, {
        event,
        payload: undefined,
        secret: SECRET,
        raw,
        ...(contentType ? { contentType } : {}),
      });

    const malformed = await post('issue_comment', '{"action": "created", ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues).toEqual([{ path: 'body', message: 'is not valid JSON' }]);

    expect((await post('push', JSON.stringify({ ref: 'refs/heads/main' }))).body).toEqual({
      status: 'ignored',
      reason: 'event "push" is not handled',
    });
    expect((await post('ping', JSON.stringify({ zen: 'Keep it logically awesome.' }))).body).toEqual({
      status: 'pong',
    });

    const c = github.addComment(issue.number, { body: '@drover fix', user: 'alice' });
    const payload = issueCommentPayload(github, { ...common(), on: issue, comment: c }) as Record<
      string,
      unknown
    >;
    const { id: _id, ...commentWithoutId } = payload.comment as Record<string, unknown>;
    const missing = await post('issue_comment', JSON.stringify({ ...payload, comment: commentWithoutId }));
    expect(missing.status).toBe(400);
    expect(missing.body.issues).toContainEqual({ path: 'body.comment.id', message: expect.any(String) });

    const big = Buffer.alloc(6 * 1024 * 1024, 'a');
    const huge = await postOversized(
      `${serve.url}/webhooks/github`,
      {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': 'huge-1',
        'x-hub-signature-256': signGitHub(SECRET, big),
      },
      big,
    );
    expect(huge).toBe(413);

    const form = await post(
      'issue_comment',
      `payload=${encodeURIComponent(JSON.stringify(payload))}`,
      'application/x-www-form-urlencoded',
    );
    expect(form.status).toBe(415);

    const other = {
      ...payload,
      repository: {
        ...(payload.repository as object),
        full_name: 'other/repo',
        clone_url: `${git.url}/other/repo.git`,
      },
    };
    const unconfigured = await post('issue_comment', JSON.stringify(other));
    expect(unconfigured.body).toMatchObject({
      status: 'ignored',
      reason: 'repository other/repo matches no repos: entry of DROVER_CONFIG',
    });

    const edited = await post('issue_comment', JSON.stringify({ ...payload, action: 'edited' }));
    expect(edited.body).toEqual({ status: 'ignored', reason: 'comment edited: only new ones trigger' });
    const deleted = await post('issue_comment', JSON.stringify({ ...payload, action: 'deleted' }));
    expect(deleted.body).toMatchObject({ status: 'ignored' });

    const botComment = github.addComment(issue.number, {
      body: '@drover fix',
      user: 'dependabot[bot]',
      type: 'Bot',
    });
    const bot = await post(
      'issue_comment',
      JSON.stringify(issueCommentPayload(github, { ...common(), on: issue, comment: botComment })),
    );
    expect(bot.body).toMatchObject({
      status: 'ignored',
      reason: 'dependabot[bot] is a bot; bots never trigger Drover',
    });

    const own = github.comments.find((x) => x.user.login === APP_LOGIN)!;
    const mine = await post(
      'issue_comment',
      JSON.stringify(
        issueCommentPayload(github, {
          ...common(),
          on: issue,
          comment: { ...own, body: `${own.body}\n@drover` },
        }),
      ),
    );
    expect(mine.body).toMatchObject({ status: 'ignored' });

    // GitLab is not configured on this server: it says so, whatever is sent.
    const gitlab = await fetch(`${serve.url}/webhooks/gitlab`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(gitlab.status).toBe(503);
    expect(await gitlab.json()).toMatchObject({ code: 'E_FORGE_NOT_CONFIGURED' });

    expect(await jobCount(serve.url)).toBe(before);
    // The server is still fine.
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
  });

  it('the forge API down when commenting: the job still runs, the comment comes later', async () => {
    let failed = 0;
    let down = true;
    github.outage = (req) => {
      const commenting = /\/issues\/(\d+\/comments|comments\/\d+)$/.test(req.path) && req.method !== 'GET';
      if (down && commenting) failed++;
      return down && commenting;
    };
    try {
      const opened = github.addIssue({
        title: 'Add a changelog',
        body: '@drover add a CHANGELOG.md',
        user: 'alice',
      });
      const res = await send(
        'issues',
        issuesPayload(github, { ...common(), issue: opened, action: 'opened', sender: 'alice' }),
      );
      expect(res.body).toMatchObject({ status: 'queued' });
      const job = await waitForJob(serve.url, String(res.body.jobId));
      expect(job.status).toBe('succeeded');
      await waitFor(() => failed >= 2, 'comment attempts during the outage');
      expect(droverComments(opened.number)).toHaveLength(0);
      down = false;
      const comment = await waitFor(
        () => droverComments(opened.number).find((c) => c.body.includes(job.prUrl!)),
        'the comment once GitHub is back',
      );
      expect(comment.body).toContain('✅ Done');
      expect(droverComments(opened.number)).toHaveLength(1);
      expect(github.reactions.some((r) => r.subject === 'issue' && r.id === opened.number)).toBe(true);
    } finally {
      github.outage = undefined;
    }
  });

  it('a trigger while a job runs on the same issue waits behind it, and says so', async () => {
    const labeled = github.addIssue({
      title: 'Slow work',
      body: 'HOLD until released, then write it.',
      user: 'alice',
    });
    const res1 = await send(
      'issues',
      issuesPayload(github, {
        ...common(),
        issue: labeled,
        action: 'labeled',
        label: 'drover',
        sender: 'alice',
      }),
    );
    expect(res1.body).toMatchObject({ status: 'queued' });
    const id1 = String(res1.body.jobId);
    await waitFor(
      async () => (await api<JobJson>(serve.url, `/api/jobs/${id1}`)).status === 'running',
      'the first job to run',
    );

    const res2 = await commentOn(labeled, '@drover also add a test', 'bob');
    expect(res2.body).toMatchObject({ status: 'waiting', ahead: 1 });
    const id2 = String(res2.body.jobId);
    const waiting = await waitFor(
      () => droverComments(labeled.number).find((x) => x.body.startsWith('⏳ Queued')),
      'the queued reply',
    );
    expect(waiting.body).toContain(id1.slice(0, 8));
    // Not in the store yet: nothing runs in parallel on the branch.
    expect(await jobExists(id2)).toBe(false);

    writeFileSync(releaseFile, '');
    const job1 = await waitForJob(serve.url, id1);
    await waitFor(() => jobExists(id2), 'the second job to be queued');
    const job2 = await waitForJob(serve.url, id2);
    expect([job1.status, job2.status]).toEqual(['succeeded', 'succeeded']);
    expect(Date.parse(job2.startedAt!)).toBeGreaterThanOrEqual(Date.parse(job1.finishedAt!));
    const branch = `drover/issue-${labeled.number}`;
    expect((await commitLog(repo.bareDir, `main..${branch}`)).map((x) => x.sha)).toEqual([
      job2.commit,
      job1.commit,
    ]);
    expect(github.pulls.filter((p) => p.head === branch)).toHaveLength(1);
    // The waiting request's comment was turned into its own report.
    await waitFor(
      () => droverComments(labeled.number).find((x) => x.id === waiting.id && x.body.includes(job2.prUrl!)),
      'the second comment edited with the PR',
    );
  });
});

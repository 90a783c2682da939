import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHandle, startServe } from '../support/droverServer.js';
import { type FakeGitLab, type FakeGitLabIssue, startFakeGitLab } from '../support/fakeGitLab.js';
import {
  credentialOf,
  type JobJson,
  jobCount,
  recordingAgent,
  waitFor,
  waitForJob,
  writeRepoConfig,
} from '../support/forgeTestBed.js';
import { issueHookPayload, notePayload, postGitLab } from '../support/forgeWebhooks.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import {
  type BareRepo,
  commitLog,
  createBareRepo,
  listBranches,
  readFileAtRef,
} from '../support/gitRepos.js';

// `drover serve` (built CLI) taking GitLab project webhooks (Note Hook, Issue Hook) checked by
// X-Gitlab-Token, a fake GitLab REST v4 API (notes, award emoji, members, merge requests, discussions)
// and the real `git http-backend` accepting only the GitLab token as `oauth2`.

const SECRET = 'gitlab-hook-secret-0123456789';
const TOKEN = 'glpat-forgeTest-0123456789abcdef';

let tmp: string;
let repo: BareRepo;
let gitlab: FakeGitLab;
let git: GitHttpServer;
let serve: ServeHandle;
let gitHttpUrl: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'drover-forge-gl-'));
  repo = await createBareRepo({ name: 'group/proj' });
  gitlab = await startFakeGitLab({ token: TOKEN, project: 'group/proj', tokenUser: 'drover' });
  git = await startGitHttpServer({ projectRoot: repo.dir, token: TOKEN, username: 'oauth2' });
  gitHttpUrl = `${git.url}/group/proj.git`;
  gitlab.members[gitlab.user('alice').id] = 40;
  gitlab.members[gitlab.user('bob').id] = 30;
  gitlab.members[gitlab.user('rita').id] = 20;
  serve = await startServe({
    env: {
      DROVER_CONFIG: writeRepoConfig(tmp, 'group/proj', recordingAgent(join(tmp, 'release'))),
      DROVER_GITLAB_WEBHOOK_SECRET: SECRET,
      DROVER_GITLAB_TOKEN: TOKEN,
      DROVER_GITLAB_API_URL: gitlab.url,
    },
  });
});

afterAll(async () => {
  await serve?.stop();
  await git?.close();
  await gitlab?.close();
  await repo?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const send = (event: string, payload: unknown, idempotencyKey?: string) =>
  postGitLab(serve.url, { event, payload, token: SECRET, ...(idempotencyKey ? { idempotencyKey } : {}) });
const droverNotes = (noteable: 'Issue' | 'MergeRequest', iid: number) =>
  gitlab.notes.filter((n) => n.noteable === noteable && n.iid === iid && n.author === 'drover');

describe('@drover on GitLab', () => {
  let issue: FakeGitLabIssue;
  let first: JobJson;
  let firstDelivery: { key: string; payload: unknown };

  it('issue note → 👀 award → job → branch pushed → MR opened → the same note edited', async () => {
    issue = gitlab.addIssue({
      title: 'Fix the flaky date test',
      description: 'It fails at midnight.',
      author: 'alice',
    });
    const note = gitlab.addNote('Issue', issue.iid, {
      body: '@drover fix the flaky date test',
      author: 'alice',
    });
    const payload = notePayload(gitlab, { gitHttpUrl, note, issue });
    const res = await send('Note Hook', payload);
    firstDelivery = { key: res.key, payload };
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', branch: `drover/issue-${issue.iid}` });

    await waitFor(
      () => gitlab.awards.find((a) => a.on === 'Note' && a.noteId === note.id && a.name === 'eyes'),
      'the 👀 award emoji',
    );
    first = await waitForJob(serve.url, String(res.body.jobId));
    expect(first, first.errorMessage ?? '').toMatchObject({
      status: 'succeeded',
      branch: `drover/issue-${issue.iid}`,
      source: {
        intake: 'forge',
        forge: 'gitlab',
        repo: 'group/proj',
        kind: 'issue',
        number: issue.iid,
        commentId: String(note.id),
        deliveryId: res.key,
        author: 'alice',
      },
    });
    expect(gitlab.mergeRequests).toHaveLength(1);
    const mr = gitlab.mergeRequests[0]!;
    expect(mr).toMatchObject({
      source_branch: `drover/issue-${issue.iid}`,
      target_branch: 'main',
      title: 'Fix the flaky date test',
    });
    expect(first.prUrl).toBe(`https://gitlab.test/group/proj/-/merge_requests/${mr.iid}`);
    const final = await waitFor(
      () => droverNotes('Issue', issue.iid).find((n) => n.body.includes(first.prUrl!)),
      'the note edited with the MR URL',
    );
    expect(droverNotes('Issue', issue.iid)).toHaveLength(1);
    expect(final.edits).toBeGreaterThanOrEqual(1);
    expect(final.body).toContain('Merge request: https://gitlab.test/group/proj/-/merge_requests/1');

    // git saw the GitLab token as oauth2 and nothing else.
    expect(git.requests.some((r) => r.path.endsWith('/git-receive-pack') && r.status === 200)).toBe(true);
    for (const r of git.requests.filter((x) => x.status === 200))
      expect(credentialOf(r.authorization)).toBe(`oauth2:${TOKEN}`);
  });

  it('an unresolved diff discussion + "@drover address the review" on the MR → a second commit, the same MR updated', async () => {
    const mr = gitlab.mergeRequests[0]!;
    gitlab.addDiscussion(mr.iid, {
      path: 'src/greet.mjs',
      line: 2,
      body: 'Handle leap years here too.',
      author: 'bob',
    });
    gitlab.addDiscussion(mr.iid, {
      path: 'README.md',
      line: 1,
      body: 'Already settled.',
      author: 'bob',
      resolved: true,
    });
    const note = gitlab.addNote('MergeRequest', mr.iid, {
      body: '@drover address the review',
      author: 'bob',
    });
    const res = await send('Note Hook', notePayload(gitlab, { gitHttpUrl, note, mr }));
    expect(res.body).toMatchObject({ status: 'queued', branch: mr.source_branch });
    const second = await waitForJob(serve.url, String(res.body.jobId));
    expect(second, second.errorMessage ?? '').toMatchObject({ status: 'succeeded', prUrl: first.prUrl });
    expect((await commitLog(repo.bareDir, `main..${mr.source_branch}`)).map((c) => c.sha)).toEqual([
      second.commit,
      first.commit,
    ]);
    expect(gitlab.mergeRequests).toHaveLength(1);
    expect(
      gitlab.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/merge_requests/${mr.iid}`)),
    ).toHaveLength(1);
    const prompt = await readFileAtRef(repo.bareDir, mr.source_branch, 'prompts/2.txt');
    expect(prompt?.split('\n')[0]).toBe(`Follow up on merge request !${mr.iid} in group/proj`);
    expect(prompt).toContain('src/greet.mjs:2 — @bob\nHandle leap years here too.');
    expect(prompt).not.toContain('Already settled.');
    expect(gitlab.awards.some((a) => a.on === 'Note' && a.noteId === note.id)).toBe(true);
    await waitFor(
      () => droverNotes('MergeRequest', mr.iid).find((n) => n.body.includes('✅ Done')),
      'the MR note',
    );
  });

  it('the label added to an issue starts a job', async () => {
    const labeled = gitlab.addIssue({
      title: 'Add a changelog',
      description: 'Write CHANGELOG.md',
      author: 'bob',
    });
    /** Bob updates the issue's labels from `labelsBefore` to `labelsAfter`. */
    const relabel = (labelsBefore: string[], labelsAfter: string[]) =>
      send(
        'Issue Hook',
        issueHookPayload(gitlab, {
          gitHttpUrl,
          issue: labeled,
          user: 'bob',
          action: 'update',
          labelsBefore,
          labelsAfter,
        }),
      );
    const res = await relabel(['bug'], ['bug', 'drover']);
    expect(res.body).toMatchObject({ status: 'queued', branch: `drover/issue-${labeled.iid}` });
    const job = await waitForJob(serve.url, String(res.body.jobId));
    expect(job.status).toBe('succeeded');
    expect(gitlab.awards.some((a) => a.on === 'Issue' && a.iid === labeled.iid)).toBe(true);
    // A later update that keeps the label does not trigger again.
    const again = await relabel(['drover'], ['drover']);
    expect(again.body).toMatchObject({ status: 'ignored' });
  });

  it('a redelivery (same Idempotency-Key) never queues a second job; a wrong token is 401', async () => {
    const before = await jobCount(serve.url);
    const dup = await send('Note Hook', firstDelivery.payload, firstDelivery.key);
    expect(dup.body).toMatchObject({ status: 'duplicate' });
    const wrong = await postGitLab(serve.url, {
      event: 'Note Hook',
      payload: firstDelivery.payload,
      token: 'not-the-secret-0123456789',
    });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'E_BAD_SIGNATURE' } });
    const none = await postGitLab(serve.url, {
      event: 'Note Hook',
      payload: firstDelivery.payload,
      token: null,
    });
    expect(none.status).toBe(401);
    expect(await jobCount(serve.url)).toBe(before);
  });

  it('a Reporter gets no job and one reply; a fork MR gets a refusal and nothing is pushed', async () => {
    const before = await jobCount(serve.url);
    for (let i = 0; i < 2; i++) {
      const note = gitlab.addNote('Issue', issue.iid, { body: '@drover please', author: 'rita' });
      const res = await send('Note Hook', notePayload(gitlab, { gitHttpUrl, note, issue }));
      expect(res.body).toMatchObject({ status: 'refused', replied: i === 0 });
    }
    await waitFor(
      () => droverNotes('Issue', issue.iid).find((n) => n.body.includes('Sorry @rita')),
      'the reply',
    );
    expect(droverNotes('Issue', issue.iid).filter((n) => n.body.includes('@rita'))).toHaveLength(1);

    const fork = gitlab.addMergeRequest({
      title: 'From a fork',
      description: '',
      source_branch: 'patch-1',
      target_branch: 'main',
      source_project_id: 99,
    });
    const note = gitlab.addNote('MergeRequest', fork.iid, { body: '@drover finish it', author: 'alice' });
    const res = await send('Note Hook', notePayload(gitlab, { gitHttpUrl, note, mr: fork }));
    expect(res.body).toMatchObject({ status: 'refused' });
    await waitFor(
      () => droverNotes('MergeRequest', fork.iid).find((n) => n.body.includes('does not push to forks')),
      'the fork refusal',
    );
    expect(await listBranches(repo.bareDir)).not.toContain('patch-1');
    expect(await jobCount(serve.url)).toBe(before);
  });

  it('edits, system notes, confidential notes, malformed and unconfigured payloads get defined answers', async () => {
    const before = await jobCount(serve.url);
    const note = gitlab.addNote('Issue', issue.iid, { body: '@drover do it', author: 'alice' });
    const payload = notePayload(gitlab, { gitHttpUrl, note, issue }) as Record<string, unknown>;
    const attrs = payload.object_attributes as Record<string, unknown>;
    expect(
      (await send('Note Hook', { ...payload, object_attributes: { ...attrs, action: 'update' } })).body,
    ).toEqual({
      status: 'ignored',
      reason: 'note update: only new notes trigger',
    });
    expect(
      (await send('Note Hook', { ...payload, object_attributes: { ...attrs, system: true } })).body,
    ).toMatchObject({ status: 'ignored' });
    expect((await send('Confidential Note Hook', payload)).body).toEqual({
      status: 'ignored',
      reason: 'confidential issues and notes are not handled',
    });
    expect((await send('Push Hook', { object_kind: 'push' })).body).toMatchObject({ status: 'ignored' });
    const malformed = await postGitLab(serve.url, {
      event: 'Note Hook',
      payload: undefined,
      token: SECRET,
      raw: '{"object_kind":',
    });
    expect(malformed.status).toBe(400);
    const { project: _p, ...noProject } = payload;
    const missing = await send('Note Hook', noProject);
    expect(missing.status).toBe(400);
    expect(missing.body.issues).toContainEqual({ path: 'body.project', message: expect.any(String) });
    const other = {
      ...payload,
      project: {
        ...(payload.project as object),
        path_with_namespace: 'other/proj',
        git_http_url: `${git.url}/other/proj.git`,
      },
    };
    expect((await send('Note Hook', other)).body).toMatchObject({
      status: 'ignored',
      reason: 'repository other/proj matches no repos: entry of DROVER_CONFIG',
    });
    expect(await jobCount(serve.url)).toBe(before);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDrover } from '../support/drover.js';
import { type ServeHandle, startServe } from '../support/droverServer.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fakeGitHub.js';
import {
  type JobJson,
  recordingAgent,
  waitFor,
  waitForJob,
  writeRepoConfig,
} from '../support/forgeTestBed.js';
import { issueCommentPayload, postGitHub } from '../support/forgeWebhooks.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import { type BareRepo, commitLog, createBareRepo } from '../support/gitRepos.js';
import { type RedisServer, startRedisServer } from '../support/redisServer.js';

// The forge intake on the Redis backend: `drover serve --redis --no-workers` takes the webhooks and
// reports, a `drover worker --redis` process (elsewhere, with the App's credentials) runs the jobs and
// mints their installation tokens itself; the forge state lives in `forge:*` keys, and a serve that
// restarts while a job runs still edits the comment exactly once.

const SECRET = 'whsec-redis-0123456789abcdef';
const PREFIX = 'fg:';
const APP_ID = 4242;
const INSTALLATION = 99;
const APP_LOGIN = 'drover-redis[bot]';

let tmp: string;
let redis: RedisServer;
let raw: Redis;
let repo: BareRepo;
let github: FakeGitHub;
let git: GitHttpServer;
let serve: ServeHandle;
let worker: ReturnType<typeof spawnDrover>;
let cloneUrl: string;
let forgeEnv: Record<string, string>;
let releaseFile: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'drover-forge-redis-'));
  releaseFile = join(tmp, 'release');
  redis = await startRedisServer();
  raw = new Redis(redis.url, { protocol: 2 });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  repo = await createBareRepo({ name: 'acme/app' });
  github = await startFakeGitHub({
    owner: 'acme',
    repo: 'app',
    app: { id: APP_ID, slug: 'drover-redis', publicKey, installationId: INSTALLATION },
  });
  github.permissions.alice = 'write';
  git = await startGitHttpServer({ projectRoot: repo.dir, isValidToken: (t) => github.isValidToken(t) });
  cloneUrl = `${git.url}/acme/app.git`;
  forgeEnv = {
    DROVER_CONFIG: writeRepoConfig(tmp, 'acme/*', recordingAgent(releaseFile)),
    DROVER_GITHUB_APP_ID: String(APP_ID),
    // Inline, as one line with \n escapes, the way it often sits in a secret store.
    DROVER_GITHUB_APP_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
    DROVER_GITHUB_API_URL: github.url,
  };
  serve = await startServeRedis();
  worker = spawnDrover(['worker', '--redis', redis.url, '--redis-prefix', PREFIX, '--concurrency', '2'], {
    env: {
      ...forgeEnv,
      DROVER_DATA_DIR: join(tmp, 'worker-data'),
      DROVER_WORK_DIR: join(tmp, 'worker-work'),
    },
    timeoutMs: 240_000,
  });
});

afterAll(async () => {
  await serve?.stop();
  worker?.child.kill('SIGTERM');
  await worker?.done;
  raw?.disconnect();
  await redis?.cleanup();
  await git?.close();
  await github?.close();
  await repo?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function startServeRedis(): Promise<ServeHandle> {
  return startServe({
    args: ['--redis', redis.url, '--redis-prefix', PREFIX, '--no-workers'],
    env: { ...forgeEnv, DROVER_GITHUB_WEBHOOK_SECRET: SECRET },
  });
}

const droverComments = (issue: number) =>
  github.comments.filter((c) => c.issue === issue && c.user.login === APP_LOGIN);

/** A new issue by alice and her comment asking Drover, sent as a webhook: the issue, payload and answer. */
async function askOnNewIssue(title: string, body: string, ask: string) {
  const issue = github.addIssue({ title, body, user: 'alice' });
  const comment = github.addComment(issue.number, { body: ask, user: 'alice' });
  const payload = issueCommentPayload(github, { cloneUrl, installationId: INSTALLATION, on: issue, comment });
  const res = await postGitHub(serve.url, { event: 'issue_comment', payload, secret: SECRET });
  return { issue, payload, res };
}

describe('@drover on the Redis backend', () => {
  it('the webhook goes to serve, the job to a worker elsewhere, the report back to the same comment', async () => {
    const { issue, payload, res } = await askOnNewIssue('Bump the version', 'to 1.2.0', '@drover bump it');
    expect(res.body).toMatchObject({ status: 'queued' });
    const job = await waitForJob(serve.url, String(res.body.jobId));
    expect(job, job.errorMessage ?? '').toMatchObject({
      status: 'succeeded',
      source: { forge: 'github', number: issue.number },
    });
    // The worker ran it, with a token it minted itself.
    const record = await raw.hgetall(`${PREFIX}job:${job.id}`);
    expect(record.runnerId).toBeTruthy(); // serve has no workers: a worker ran it
    expect(github.installationTokens.length).toBeGreaterThanOrEqual(2); // serve's (API) and the worker's (job)
    expect(github.pulls).toHaveLength(1);
    await waitFor(
      () => droverComments(issue.number).find((c) => c.body.includes(job.prUrl!)),
      'the edited comment',
    );
    expect(droverComments(issue.number)).toHaveLength(1);

    // The forge state's keys, under the prefix.
    const ttl = await raw.pttl(`${PREFIX}forge:delivery:github:${res.delivery}`);
    expect(ttl).toBeGreaterThan(6 * 24 * 3600_000);
    const taskId = String(res.body.taskId);
    const task = JSON.parse((await raw.get(`${PREFIX}forge:task:${taskId}`)) ?? '{}');
    expect(task).toMatchObject({
      id: taskId,
      jobId: job.id,
      state: 'ended',
      open: false,
      comment: { synced: true },
    });
    await waitFor(
      async () => (await raw.zscore(`${PREFIX}forge:tasks:open`, taskId)) === null,
      'the task to close',
    );
    expect(await raw.llen(`${PREFIX}forge:lane:github|acme/app|drover/issue-${issue.number}`)).toBe(0);

    const again = await postGitHub(serve.url, {
      event: 'issue_comment',
      payload,
      secret: SECRET,
      delivery: res.delivery,
    });
    expect(again.body).toMatchObject({ status: 'duplicate' });
  });

  it('a serve restarted while the job runs still reports it, once', async () => {
    const { issue, res } = await askOnNewIssue('Slow one', 'HOLD please', '@drover do the slow one');
    const jobId = String(res.body.jobId);
    await waitFor(
      async () => (await raw.hget(`${PREFIX}job:${jobId}`, 'status')) === 'running',
      'the job to run',
    );
    await waitFor(() => droverComments(issue.number).length === 1, 'the first comment');
    const stopped = await serve.stop();
    expect(stopped.code, stopped.stderr).toBe(0);

    writeFileSync(releaseFile, '');
    await waitFor(
      async () => (await raw.hget(`${PREFIX}job:${jobId}`, 'status')) === 'succeeded',
      'the job to end',
      90_000,
    );
    // Nobody reported yet: the serve that took the webhook is gone.
    expect(droverComments(issue.number)[0]!.body).not.toContain('✅');

    serve = await startServeRedis();
    const job: JobJson = await waitForJob(serve.url, jobId);
    const commentId = droverComments(issue.number)[0]!.id;
    await waitFor(
      () => droverComments(issue.number)[0]!.body.includes(job.prUrl!),
      'the report after the restart',
    );
    // Give a second reporter pass the chance to edit it again, then count: exactly one final edit.
    await new Promise((r) => setTimeout(r, 2500));
    const finalEdits = github.requests.filter(
      (r) =>
        r.method === 'PATCH' &&
        r.path === `/repos/acme/app/issues/comments/${commentId}` &&
        String((r.body as { body?: string }).body).includes('✅'),
    );
    expect(finalEdits).toHaveLength(1);
    expect(droverComments(issue.number)).toHaveLength(1);
    expect(await commitLog(repo.bareDir, `main..drover/issue-${issue.number}`)).toHaveLength(1);
  });
});

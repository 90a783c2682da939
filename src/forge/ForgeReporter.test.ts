import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimJob } from '../../test/support/claimJob.js';
import { type FakeGitHub, startFakeGitHub } from '../../test/support/fakeGitHub.js';
import { newJobId } from '../jobs/ids.js';
import { parseJobSpec } from '../jobs/parseJobSpec.js';
import { Masker } from '../secrets/Masker.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { loadForgeConfig } from './ForgeConfig.js';
import type { ForgeDeps } from './ForgeDeps.js';
import { ForgeReporter } from './ForgeReporter.js';
import type { ForgeTask } from './ForgeTask.js';
import { GitHubApi } from './github/GitHubApi.js';
import { SqliteForgeState } from './state/SqliteForgeState.js';

// The reporter on the real embedded store and forge state, against the fake GitHub: lanes that move
// on, comments retried with backoff, a deleted comment replaced, a dead head of a lane stepped over.

const TOKEN = 'ghp_reporter0123456789abcdef';
let dir: string;
let github: FakeGitHub;
let store: SqliteStore;
let state: SqliteForgeState;
let deps: ForgeDeps;
let reporter: ForgeReporter;
const repo = { forge: 'github' as const, path: 'acme/app' };
const spec = parseJobSpec({
  repo: 'https://github.test/acme/app.git',
  prompt: 'p',
  agent: 'command',
  agentCmd: 'true',
  branch: 'drover/issue-1',
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-reporter-'));
  github = await startFakeGitHub({ token: TOKEN, owner: 'acme', repo: 'app', tokenUser: 'drover' });
  store = new SqliteStore(join(dir, 'drover.db'));
  state = new SqliteForgeState(join(dir, 'forge.db'));
  const config = { ...loadForgeConfig({}), publicUrl: 'https://drover.test' };
  deps = {
    store,
    state,
    apis: { github: new GitHubApi({ baseUrl: github.url, token: TOKEN }) },
    config,
    repoDefaults: [],
    resolveSpec: parseJobSpec,
    logger: pino({ level: 'silent' }),
    masker: new Masker([TOKEN]),
    wake: () => {},
  };
  reporter = new ForgeReporter(deps, { pollMs: 0, backoffMs: 60_000, maxBackoffMs: 60_000 });
});
afterAll(async () => {
  await state?.close();
  await store?.close();
  await github?.close();
  rmSync(dir, { recursive: true, force: true });
});

let issue: number;
beforeEach(() => {
  issue = github.addIssue({ title: 'T', user: 'alice' }).number;
});

const task = (over: Partial<ForgeTask>): ForgeTask => ({
  id: newJobId(),
  repo,
  thread: { kind: 'issue', number: issue },
  lane: `github|acme/app|lane-${issue}`,
  state: 'waiting',
  jobId: newJobId(),
  spec,
  source: { intake: 'forge', forge: 'github', repo: 'acme/app', kind: 'issue', number: issue },
  comment: { body: '', synced: true, attempts: 0 },
  open: true,
  nextAt: 0,
  createdAt: new Date().toISOString(),
  ...over,
});

async function finishJob(jobId: string, status: 'succeeded' | 'failed', extra = {}) {
  const lease = await claimJob(store, jobId, { runnerId: 'test-runner', leaseMs: 10_000 });
  expect(lease).toBeDefined();
  await lease!.finish({ status, ...extra });
}

const droverComments = () => github.comments.filter((c) => c.issue === issue && c.user.login === 'drover');

describe('ForgeReporter', () => {
  it('starts the head of a lane, reports its end, then starts the next one', async () => {
    const a = task({});
    const b = task({ lane: a.lane });
    for (const t of [a, b]) {
      await state.saveTask(t);
      await state.enterLane(t.lane!, t.id);
    }
    await reporter.pass();
    expect((await store.get(a.jobId!))?.status).toBe('queued');
    expect(await store.get(b.jobId!)).toBeUndefined();
    expect(droverComments()).toHaveLength(1);
    expect(droverComments()[0]!.body).toContain('👀 On it: Drover job');

    await finishJob(a.jobId!, 'succeeded', {
      prUrl: 'https://github.test/acme/app/pull/9',
      commit: 'c'.repeat(40),
    });
    await reporter.pass();
    expect((await state.getTask(a.id))?.state).toBe('ended');
    expect(droverComments()[0]!.body).toContain('Pull request: https://github.test/acme/app/pull/9');
    expect((await store.get(b.jobId!))?.status).toBe('queued');
    expect(await state.laneHead(a.lane!)).toBe(b.id);
    // A pass with nothing new writes nothing more.
    const edits = droverComments()[0]!.edits;
    await reporter.pass();
    expect(droverComments()[0]!.edits).toBe(edits);
    expect((await state.getTask(a.id))?.open).toBe(false);
  });

  it('a failure report carries the end of the output', async () => {
    const t = task({});
    await state.saveTask(t);
    await state.enterLane(t.lane!, t.id);
    await reporter.pass();
    await store.appendOutput(t.jobId!, [
      { seq: 1, ts: new Date().toISOString(), stream: 'stdout', line: `token ${TOKEN} leaked` },
      { seq: 2, ts: new Date().toISOString(), stream: 'system', line: 'system line' },
      { seq: 3, ts: new Date().toISOString(), stream: 'stderr', line: 'boom' },
    ]);
    await finishJob(t.jobId!, 'failed', {
      errorKind: 'agent_exit',
      errorMessage: 'The agent exited with code 1.',
    });
    await reporter.pass();
    const body = droverComments()[0]!.body;
    expect(body).toContain('❌ Failed');
    expect(body).toContain('> The agent exited with code 1.');
    expect(body).toContain('```text\ntoken *** leaked\nboom\n```');
    expect(body).not.toContain(TOKEN);
  });

  it('retries a comment with backoff while the forge is down, and replaces a deleted one', async () => {
    let down = true;
    github.outage = (req) => down && req.method === 'POST' && req.path.endsWith('/comments');
    try {
      const t = task({
        state: 'notice',
        lane: undefined,
        comment: { body: 'hello', synced: false, attempts: 0 },
      });
      await state.saveTask(t);
      await reporter.pass();
      const failed = await state.getTask(t.id);
      expect(failed?.comment).toMatchObject({ synced: false, attempts: 1 });
      expect(failed!.comment.retryAt).toBeGreaterThanOrEqual(Date.now() + 30_000);
      expect(failed!.nextAt).toBe(failed!.comment.retryAt);
      // Not before its backoff, even when looked at: no new attempt.
      const before = github.requests.length;
      await state.saveTask({ ...failed!, nextAt: 0 });
      await reporter.pass();
      expect(github.requests.length).toBe(before);
      // The backoff is over (set back instead of waiting a minute), GitHub is back.
      down = false;
      const later = (await state.getTask(t.id))!;
      await state.saveTask({ ...later, nextAt: 0, comment: { ...later.comment, retryAt: 0 } });
      await reporter.pass();
      expect((await state.getTask(t.id))?.comment).toMatchObject({ synced: true, attempts: 0 });
      expect(droverComments().map((c) => c.body)).toEqual(['hello']);

      // Someone deleted Drover's comment: the next body goes into a new one.
      const synced = (await state.getTask(t.id))!;
      github.comments.splice(
        github.comments.findIndex((c) => String(c.id) === synced.comment.id),
        1,
      );
      await state.saveTask({
        ...synced,
        open: true,
        nextAt: 0,
        comment: { ...synced.comment, body: 'again', synced: false },
      });
      await reporter.pass();
      expect(droverComments().map((c) => c.body)).toEqual(['again']);
    } finally {
      github.outage = undefined;
    }
  });

  it('steps over a lane head that is gone or ended', async () => {
    const ghost = task({ state: 'ended', open: false, comment: { body: 'x', synced: true, attempts: 0 } });
    const waiting = task({ lane: ghost.lane });
    await state.saveTask(ghost);
    await state.enterLane(ghost.lane!, 'never-saved');
    await state.enterLane(ghost.lane!, ghost.id);
    await state.saveTask(waiting);
    await state.enterLane(waiting.lane!, waiting.id);
    await reporter.pass();

    expect((await state.getTask(waiting.id))?.state).toBe('running');
    expect((await store.get(waiting.jobId!))?.status).toBe('queued');
  });
});

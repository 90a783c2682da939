// `drover task-runner` as a Kubernetes operator's runner pod (Shepherd's contract), against a fake
// control plane, the real git http-backend (push authenticated with the issued token) and a fake GitHub.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import {
  type ControlPlaneCall,
  type FakeControlPlane,
  startFakeControlPlane,
} from '../support/fakeControlPlane.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fakeGitHub.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import { type BareRepo, createBareRepo, gitIn, listBranches, readFileAtRef } from '../support/gitRepos.js';
import { CLAUDE_TEST_MODEL, startAnthropicServer } from '../support/models/anthropic.js';
import { cliBin } from '../support/models/cli.js';
import { processesMatching, waitFor } from '../support/processes.js';
import { assignTask, startTaskRunner } from '../support/taskRunnerProcess.js';

const TOKEN = 'ghs_issuedTaskToken_0123456789abcdef';

let root: string;
let repo: BareRepo;
let git: GitHttpServer;
let github: FakeGitHub;
let plane: FakeControlPlane;
let remote: string;
let configFile: string;
let n = 0;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-e2e-taskrunner-'));
  repo = await createBareRepo({ name: 'acme/app' });
  git = await startGitHttpServer({ projectRoot: repo.dir, token: TOKEN });
  github = await startFakeGitHub({ token: TOKEN, owner: 'acme', repo: 'app' });
  plane = await startFakeControlPlane();
  remote = `${git.url}/acme/app.git`;
  // The repo defaults every intake applies: the loopback forge is GitHub.
  configFile = join(root, 'drover.yml');
  writeFileSync(configFile, 'repos:\n  - match: "acme/*"\n    prProvider: github\n');
});
afterAll(async () => {
  await plane?.close();
  await github?.close();
  await git?.close();
  await repo?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh task on the control plane, and dirs of its own for the runner. */
function newTask(data: Record<string, unknown> = {}) {
  const id = `task-${++n}`;
  plane.tasks.set(id, {
    token: TOKEN,
    data: {
      description: `Add notes for ${id}\n\nOne line is enough.`,
      context: 'Issue #12: the notes file is missing.',
      sourceURL: 'https://github.test/acme/app/issues/12',
      repo: { url: remote, ref: 'main' },
      ...data,
    },
  });
  const dir = join(root, id);
  return {
    id,
    workDir: join(dir, 'work'),
    env: {
      DROVER_DATA_DIR: join(dir, 'data'),
      DROVER_WORK_DIR: join(dir, 'work'),
      DROVER_CONFIG: configFile,
      DROVER_GITHUB_API_URL: github.url,
    },
  };
}

const callsOf = (id: string, route?: string): ControlPlaneCall[] =>
  plane.calls.filter((c) => c.taskId === id && (!route || c.route === route));

describe('drover task-runner', () => {
  it('takes one task, pushes with the issued token, opens the PR and reports started → completed', async () => {
    const task = newTask();
    const runner = await startTaskRunner(
      ['--agent-cmd', 'echo "notes for $DROVER_JOB_ID" > NOTES.md'],
      task.env,
    );

    expect(await (await fetch(`${runner.url}/healthz`)).text()).toBe('ok');
    // Bad assignments are refused, naming the problem, and take nothing.
    expect(await assignTask(runner.url, '{"taskID": ')).toMatchObject({ status: 400 });
    const missing = await assignTask(runner.url, { taskID: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('taskID');
    expect(missing.text).toContain('apiURL');
    const badUrl = await assignTask(runner.url, { taskID: task.id, apiURL: 'file:///etc/passwd' });
    expect(badUrl).toMatchObject({ status: 400 });
    expect(badUrl.text).toContain('apiURL: must be an http(s) URL');
    const huge = await assignTask(runner.url, {
      taskID: task.id,
      apiURL: plane.url,
      pad: 'x'.repeat(1_100_000),
    });
    expect(huge.status).toBe(413);

    const accepted = await assignTask(runner.url, { taskID: task.id, apiURL: plane.url });
    expect(accepted).toEqual({ status: 200, text: '{"status":"accepted"}' });
    // The operator's idempotent retry, and any other task: 409.
    expect(await assignTask(runner.url, { taskID: task.id, apiURL: plane.url })).toEqual({
      status: 409,
      text: 'task already assigned',
    });

    const res = await runner.done;
    expect(res.code, res.stderr).toBe(0);
    // Exactly one terminal report, after delivery, carrying the PR.
    const statuses = plane.statuses(task.id);
    expect(statuses.map((s) => s.event)).toEqual(['started', 'completed']);
    const pull = github.pulls.find((p) => p.head === `shepherd/${task.id}`);
    expect(pull).toMatchObject({ base: 'main', title: `Add notes for ${task.id}`, state: 'open' });
    const commit = await gitIn(repo.bareDir, 'rev-parse', `refs/heads/shepherd/${task.id}`);
    expect(statuses[1]!.details).toMatchObject({
      pr_url: `https://github.test/acme/app/pull/${pull!.number}`,
      branch: `shepherd/${task.id}`,
      commit,
    });
    expect(await readFileAtRef(repo.bareDir, `shepherd/${task.id}`, 'NOTES.md')).toMatch(/^notes for /);
    // The push went through git's HTTP auth with the issued token (Basic x-access-token:<token>).
    const push = git.requests.find((r) => r.path === '/acme/app.git/git-receive-pack' && r.status === 200);
    const basic = Buffer.from(String(push?.authorization).replace(/^Basic /, ''), 'base64').toString();
    expect(basic).toBe(`x-access-token:${TOKEN}`);
    // The task's body reached the prompt (the PR body carries the task).
    expect(pull!.body).toContain('Issue #12: the notes file is missing.');
    expect(pull!.body).toContain('https://github.test/acme/app/issues/12');
    // Every POST was JSON; data and token were fetched once each; the token appears nowhere.
    const calls = callsOf(task.id);
    expect(calls.filter((c) => c.method === 'POST').every((c) => c.contentType === 'application/json')).toBe(
      true,
    );
    expect(callsOf(task.id, 'token')).toHaveLength(1);
    expect(JSON.stringify(statuses) + res.stdout + res.stderr).not.toContain(TOKEN);
    expect(readdirSync(task.workDir).filter((e) => !e.startsWith('.'))).toEqual([]);
    // The job in the pod's store says where it came from; its whole log never shows the token.
    const listed = JSON.parse((await runDrover(['list', '--json'], { env: task.env })).stdout);
    expect(listed.jobs).toHaveLength(1);
    expect(listed.jobs[0]).toMatchObject({
      status: 'succeeded',
      branch: `shepherd/${task.id}`,
      source: { intake: 'task-runner', taskId: task.id },
    });
    const log = (await runDrover(['logs', listed.jobs[0].id, '--json'], { env: task.env })).stdout;
    expect(log).toContain('Pull requests go to github acme/app');
    expect(log).not.toContain(TOKEN);
  }, 120_000);

  it('fails the task with a clear message when the one-time token was already issued, without retrying it', async () => {
    const task = newTask();
    plane.tasks.get(task.id)!.tokenIssued = true;
    const runner = await startTaskRunner(['--agent-cmd', 'echo never > ran.txt'], task.env);
    expect((await assignTask(runner.url, { taskID: task.id, apiURL: plane.url })).status).toBe(200);
    const res = await runner.done;
    expect(res.code).toBe(1);
    expect(plane.statuses(task.id).map((s) => s.event)).toEqual(['started', 'failed']);
    expect(plane.result(task.id)!.details).toMatchObject({ error_kind: 'credentials' });
    expect(String(plane.result(task.id)!.details!.error)).toMatch(
      /one-time git token was already issued \(409 token already issued for this execution\).*Re-run the task/,
    );
    expect(callsOf(task.id, 'token')).toHaveLength(1);
    expect(await listBranches(repo.bareDir)).not.toContain(`shepherd/${task.id}`);
  }, 60_000);

  it('exits cleanly when the task is already over (data 410), reporting nothing', async () => {
    const task = newTask();
    plane.tasks.get(task.id)!.terminal = true;
    const runner = await startTaskRunner(['--agent-cmd', 'echo never > ran.txt'], task.env);
    expect((await assignTask(runner.url, { taskID: task.id, apiURL: plane.url })).status).toBe(200);
    const res = await runner.done;
    expect(res.code, res.stderr).toBe(0);
    expect(callsOf(task.id).map((c) => `${c.route}:${c.status}`)).toEqual(['status:200', 'data:410']);
    expect(plane.result(task.id)).toBeUndefined();
  }, 60_000);

  it('rides out a control plane that is down for a while (503s, dropped connections): nothing lost', async () => {
    const task = newTask();
    let failures = 0;
    // The first 3 calls get 503, the next 2 have their connection dropped, then the API recovers.
    plane.fault = ({ taskId }) => {
      if (taskId !== task.id || failures >= 5) return undefined;
      failures++;
      return failures <= 3 ? 503 : 'drop';
    };
    try {
      const runner = await startTaskRunner(['--agent-cmd', 'echo resilient > NOTES.md'], task.env);
      expect((await assignTask(runner.url, { taskID: task.id, apiURL: plane.url })).status).toBe(200);
      const res = await runner.done;
      expect(res.code, res.stderr).toBe(0);
    } finally {
      plane.fault = undefined;
    }
    expect(failures).toBe(5);
    expect(plane.statuses(task.id).map((s) => s.event)).toEqual(['started', 'completed']);
    expect(plane.result(task.id)!.details!.pr_url).toMatch(/^https:\/\/github\.test\/acme\/app\/pull\/\d+$/);
    // The failed attempts were retried: started went out 6 times, the token was issued once.
    expect(callsOf(task.id, 'status').filter((c) => c.status === 0 || c.status === 503)).toHaveLength(5);
    expect(callsOf(task.id, 'token').filter((c) => c.status === 200)).toHaveLength(1);
  }, 90_000);

  it('on SIGTERM mid-run cancels the job, reports failed, leaves no process or workspace, and exits', async () => {
    const task = newTask();
    const runner = await startTaskRunner(
      ['--agent-cmd', 'echo started > started.txt; exec sleep 3600.25'],
      task.env,
    );
    expect((await assignTask(runner.url, { taskID: task.id, apiURL: plane.url })).status).toBe(200);
    await waitFor(() => processesMatching('sleep 3600.25').length > 0, 30_000, 'the agent to run');
    runner.child.kill('SIGTERM');
    const res = await runner.done;
    expect(res.code).toBe(1);
    expect(res.signal).toBeNull();
    expect(plane.statuses(task.id).map((s) => s.event)).toEqual(['started', 'failed']);
    expect(plane.result(task.id)!.details).toMatchObject({ error_kind: 'cancelled' });
    expect(String(plane.result(task.id)!.details!.error)).toContain('SIGTERM');
    expect(processesMatching('sleep 3600.25')).toEqual([]);
    expect(readdirSync(task.workDir).filter((e) => !e.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('refuses bad settings at startup, naming them, before listening', async () => {
    const task = newTask();
    const bad = await runDrover(['task-runner', '--listen', '127.0.0.1:0', '--max-turns', 'lots'], {
      env: task.env,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('maxTurns');
    const badBranch = await runDrover(['task-runner', '--listen', '127.0.0.1:0', '--branch', 'fixed'], {
      env: task.env,
    });
    expect(badBranch.code).toBe(2);
    expect(badBranch.stderr).toContain('{taskID}');
  }, 60_000);

  it('with the real claude CLI: streams its events in order through API failures; its Stop hook is progress', async () => {
    const task = newTask();
    const model = await startAnthropicServer([
      {
        text: 'I will write the notes file.',
        toolUse: { name: 'Write', input: { file_path: '{{cwd}}/NOTES.md', content: 'from claude\n' } },
      },
      { text: 'Added NOTES.md.' },
    ]);
    let eventPosts = 0;
    // The first batch of events meets a 503, the next attempt a dropped connection.
    plane.fault = ({ taskId, route }) => {
      if (taskId !== task.id || route !== 'events' || eventPosts >= 2) return undefined;
      eventPosts++;
      return eventPosts === 1 ? 503 : 'drop';
    };
    try {
      const hostHome = join(root, `${task.id}-home`);
      const runner = await startTaskRunner(['--agent', 'claude', '--model', CLAUDE_TEST_MODEL], {
        ...task.env,
        HOME: hostHome,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: 'sk-ant-task-runner-test-0123456789',
        CLAUDE_CODE_MAX_RETRIES: '0',
        CLAUDE_BIN: cliBin('claude'),
        DROVER_KILL_GRACE: '1s',
      });
      expect((await assignTask(runner.url, { taskID: task.id, apiURL: plane.url })).status).toBe(200);
      const res = await runner.done;
      expect(res.code, res.stderr).toBe(0);
    } finally {
      plane.fault = undefined;
      await model.close();
    }
    expect(eventPosts).toBe(2);
    // The Stop hook fired inside the agent run: progress, never a second terminal report.
    const statuses = plane.statuses(task.id);
    expect(statuses.map((s) => `${s.event}${s.event === 'progress' ? `:${s.message}` : ''}`)).toEqual([
      'started',
      'progress:agent finished',
      'completed',
    ]);
    expect(statuses[2]!.details).toMatchObject({ branch: `shepherd/${task.id}` });
    expect(statuses[2]!.details!.turns).toBeGreaterThanOrEqual(2);
    expect(statuses[2]!.details!.cost_usd).toBeGreaterThan(0);
    expect(await readFileAtRef(repo.bareDir, `shepherd/${task.id}`, 'NOTES.md')).toBe('from claude\n');

    const events = plane.events(task.id);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['thinking', 'tool_call', 'tool_result']),
    );
    expect(events.find((e) => e.type === 'tool_call')).toMatchObject({ tool: 'Write' });
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({
      tool: 'Write',
      output: { success: true },
    });
    expect(events.find((e) => e.type === 'thinking')).toMatchObject({
      summary: 'I will write the notes file.',
    });
    expect(JSON.stringify(events)).not.toContain('sk-ant-task-runner-test');
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  }, 180_000);
});

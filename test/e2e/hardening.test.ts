import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type ServeHandle, startServe, TEST_TOKEN } from '../support/droverServer.js';
import { type BareRepo, createBareRepo, readFileAtRef } from '../support/gitRepos.js';

// What a hostile or careless submitter sends, at every edge: credentials in URLs whatever their case,
// URLs git would misread as options, durations beyond what timers hold, and local paths (the data dir
// above all) from submitters that are not at this machine's command line.

const SECRET = 'ghp_SuperSecretToken0123456789';
let allowed: BareRepo;
let outside: BareRepo;
let server: ServeHandle;
let tmp: string;
const auth = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };

beforeAll(async () => {
  allowed = await createBareRepo();
  outside = await createBareRepo();
  tmp = mkdtempSync(join(tmpdir(), 'drover-hardening-'));
  server = await startServe({
    args: ['--concurrency', '1', '--drain-timeout', '20s'],
    env: { DROVER_ALLOW_LOCAL_REPOS: dirname(allowed.bareDir) },
  });
});

afterAll(async () => {
  await server?.stop();
  await allowed?.cleanup();
  await outside?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const post = async (spec: Record<string, unknown>) => {
  const res = await fetch(`${server.url}/api/jobs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(spec),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
};
const commandJob = (repo: string, extra: Record<string, unknown> = {}) => ({
  repo,
  prompt: 'Write a file',
  agent: 'command',
  agentCmd: 'echo hi > hi.txt',
  ...extra,
});

describe('repo URLs', () => {
  it.each([
    `HTTPS://x-access-token:${SECRET}@github.com/o/r.git`,
    `Https://${SECRET}@github.com/o/r.git`,
    `hTTp://u:${SECRET}@example.com/o/r.git`,
    `ssh://git:${SECRET}@example.com/o/r.git`,
    'ssh://-oProxyCommand=touch%20/tmp/pwned/r.git',
    'SSH://-oProxyCommand=x/r.git',
    'git@-oProxyCommand=x:o/r.git',
    ' https://github.com/o/r.git',
    'https://github.com/o/r.git ',
    'https://github.com/o/r.git\u0007',
    'EXT::sh -c touch% /tmp/pwned',
  ])('the API answers 400 naming repo for %j, and never echoes it', async (repo) => {
    const res = await post(commandJob(repo));
    expect(res.status).toBe(400);
    expect(res.json.issues.map((i: { path: string }) => i.path)).toEqual(['repo']);
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain('ProxyCommand');
  });

  it('the CLI refuses credentials whatever the scheme case; nothing is queued, listed or logged', async () => {
    const dataDir = join(tmp, 'cli-data');
    const repo = `HTTPS://x-access-token:${SECRET}@github.com/o/r.git`;
    const res = await runDrover([
      'submit',
      '--repo',
      repo,
      '--prompt',
      'p',
      '--agent-cmd',
      'true',
      '--data-dir',
      dataDir,
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/repo.*credentials/);
    expect(res.stderr + res.stdout).not.toContain(SECRET);
    const list = await runDrover(['list', '--json', '--data-dir', dataDir]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).jobs).toEqual([]);
    const jobs = await fetch(`${server.url}/api/jobs`, { headers: auth });
    expect(await jobs.text()).not.toContain(SECRET);
    expect(server.output().stdout + server.output().stderr).not.toContain(SECRET);
  });
});

describe('durations', () => {
  it.each([
    ['timeout', '99999999999999999999h'],
    ['timeout', '31d'],
    ['timeout', 1e12],
    ['idleTimeout', '720h1s'],
  ])('the API answers 400 naming %s for %j', async (field, value) => {
    const res = await post(commandJob(allowed.bareDir, { [field]: value }));
    expect(res.status).toBe(400);
    expect(res.json.issues).toEqual([{ path: field, message: expect.stringMatching(/at most 30d/) }]);
  });

  it('a 25-day timeout runs the job to its end instead of timing it out at once', async () => {
    const dataDir = join(tmp, 'long-timeout');
    const res = await runDrover(
      [
        'run',
        '--repo',
        allowed.bareDir,
        '--data-dir',
        dataDir,
        '--timeout',
        '25d',
        '--idle-timeout',
        '25d',
        '--prompt',
        'Wait a little, then write',
        '--agent-cmd',
        'sleep 2; echo done > waited.txt',
        '--json',
      ],
      { env: { DROVER_WORK_DIR: join(tmp, 'work') } },
    );
    expect(res.stderr).not.toMatch(/TimeoutOverflowWarning/);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'succeeded', errorKind: null });
    expect(await readFileAtRef(allowed.bareDir, record.branch, 'waited.txt')).toBe('done\n');
  });

  it('the CLI and the environment refuse durations over 30d, naming the flag or variable', async () => {
    const dataDir = join(tmp, 'cli-durations');
    const run = (args: string[], env: Record<string, string> = {}) =>
      runDrover(
        [
          'run',
          '--repo',
          allowed.bareDir,
          '--data-dir',
          dataDir,
          '--prompt',
          'p',
          '--agent-cmd',
          'true',
          ...args,
        ],
        {
          env,
        },
      );
    const timeout = await run(['--timeout', '40d']);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toMatch(/timeout.*: must be at most 30d/);
    const drain = await run(['--drain-timeout', '99999d']);
    expect(drain.code).toBe(2);
    expect(drain.stderr).toMatch(/--drain-timeout: must be at most 30d/);
    const variable = await run([], { DROVER_DEFAULT_IDLE_TIMEOUT: '100000h' });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/DROVER_DEFAULT_IDLE_TIMEOUT: must be at most 30d/);
  });
});

describe('local repositories', () => {
  it('the API refuses a local path or file:// URL outside DROVER_ALLOW_LOCAL_REPOS, naming repo', async () => {
    for (const repo of [outside.bareDir, `file://${outside.bareDir}`, `FILE://${outside.bareDir}`]) {
      const res = await post(commandJob(repo));
      expect(res.status).toBe(400);
      expect(res.json.issues).toEqual([
        { path: 'repo', message: expect.stringMatching(/DROVER_ALLOW_LOCAL_REPOS/) },
      ]);
    }
  });

  it('the API runs a job on an allowed local repository', async () => {
    const res = await post(commandJob(`file://${allowed.bareDir}`, { branch: 'allowed/api' }));
    expect(res.status).toBe(201);
    let job = res.json;
    for (let i = 0; i < 600 && !['succeeded', 'failed'].includes(job.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await (await fetch(`${server.url}/api/jobs/${job.id}`, { headers: auth })).json();
    }
    expect(job).toMatchObject({ status: 'succeeded' });
    expect(await readFileAtRef(allowed.bareDir, 'allowed/api', 'hi.txt')).toBe('hi\n');
  });

  it('nobody may clone the data dir or the work dir, through symlinks either', async () => {
    // The server's repo cache, even with an allow-list that covers the whole temp dir.
    const mirror = join(server.dataDir, 'cache', 'mirror.git');
    const api = await post(commandJob(mirror));
    expect(api.status).toBe(400);
    expect(api.json.issues[0]).toEqual({
      path: 'repo',
      message: expect.stringMatching(/data or work directory/),
    });

    const dataDir = join(tmp, 'cli-data-dir');
    const workDir = join(tmp, 'cli-work-dir');
    mkdirSync(join(dataDir, 'cache'), { recursive: true });
    mkdirSync(workDir, { recursive: true });
    const link = join(tmp, 'innocent-link');
    symlinkSync(dataDir, link);
    for (const repo of [
      join(dataDir, 'cache', 'mirror.git'),
      `file://${join(link, 'cache', 'mirror.git')}`,
      join(workDir, 'drover-x', 'repo'),
    ]) {
      for (const command of ['run', 'submit']) {
        const res = await runDrover(
          [command, '--repo', repo, '--data-dir', dataDir, '--prompt', 'p', '--agent-cmd', 'true'],
          {
            env: { DROVER_WORK_DIR: workDir, DROVER_ALLOW_LOCAL_REPOS: tmp },
          },
        );
        expect(res.code, `${command} ${repo}`).toBe(2);
        expect(res.stderr).toMatch(/repo.*data or work directory/);
      }
    }
  });
});

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import {
  type BareRepo,
  commitLog,
  createBareRepo,
  listBranches,
  readFileAtRef,
} from '../support/gitRepos.js';

let repo: BareRepo;
let dataDir: string;
let workDir: string;
const env = () => ({ DROVER_WORK_DIR: workDir });
const job = (...args: string[]) => ['run', '--repo', repo.bareDir, '--data-dir', dataDir, ...args];

beforeAll(async () => {
  repo = await createBareRepo();
  dataDir = mkdtempSync(join(tmpdir(), 'drover-e2e-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-e2e-work-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('drover run with the command agent', () => {
  it('pushes a branch with the agent’s change, committed by the runner, and prints the record as JSON', async () => {
    const res = await runDrover(
      job(
        '--prompt',
        'Add a greeting file\n\nMore detail here.',
        '--agent-cmd',
        'echo "$DROVER_PROMPT" | head -1 > greeting.txt',
        '--json',
      ),
      { env: env() },
    );
    expect(res.code).toBe(0);
    const record = JSON.parse(res.stdout);
    expect(Object.keys(record)).toEqual(
      expect.arrayContaining([
        'id',
        'status',
        'repo',
        'baseRef',
        'branch',
        'commit',
        'agent',
        'createdAt',
        'startedAt',
        'finishedAt',
        'durationMs',
        'exitCode',
        'errorKind',
        'errorMessage',
      ]),
    );
    expect(record).toMatchObject({
      status: 'succeeded',
      baseRef: 'main',
      agent: 'command',
      exitCode: 0,
      errorKind: null,
    });
    expect(record.branch).toBe(`drover/${record.id.slice(0, 8)}`);
    // Live output went to stderr, with the phase headers.
    for (const phase of ['Preparing workspace', 'Cloning', 'Running agent', 'Committing', 'Pushing']) {
      expect(res.stderr).toContain(phase);
    }
    expect(await readFileAtRef(repo.bareDir, record.branch, 'greeting.txt')).toBe('Add a greeting file\n');
    const [head] = await commitLog(repo.bareDir, record.branch);
    expect(head).toMatchObject({
      sha: record.commit,
      subject: `drover: Add a greeting file [job ${record.id.slice(0, 8)}]`,
    });
    expect(head?.authorName).toBe('Drover');
    expect(head?.body).toContain(`Drover-Job: ${record.id}`);
    expect(readdirSync(workDir)).toEqual([]);

    const status = await runDrover(['status', record.id, '--json', '--data-dir', dataDir]);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: record.id, status: 'succeeded', attempts: 1 });
    const logs = await runDrover(['logs', record.id, '--data-dir', dataDir]);
    expect(logs.stdout).toContain('==> Running agent (command)');
    expect(logs.stdout).toContain('Job succeeded');
    const jsonLogs = (await runDrover(['logs', record.id, '--json', '--data-dir', dataDir])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonLogs.map((e) => e.seq)).toEqual(jsonLogs.map((_, i) => i + 1));
    expect(jsonLogs.at(-1)).toMatchObject({ stream: 'system', type: 'end' });
    const list = JSON.parse((await runDrover(['list', '--json', '--data-dir', dataDir])).stdout);
    expect(list.jobs.map((j: { id: string }) => j.id)).toContain(record.id);
  });

  it('keeps commits the agent made itself and adds one for what it left uncommitted', async () => {
    const script = [
      'git -c user.name=Agent -c user.email=agent@x commit -q --allow-empty -m "agent: own commit"',
      'echo left > uncommitted.txt',
    ].join(' && ');
    const res = await runDrover(
      job('--prompt', 'Two commits', '--agent-cmd', script, '--branch', 'feature/two', '--json'),
      {
        env: env(),
      },
    );
    expect(JSON.parse(res.stdout).status).toBe('succeeded');
    const log = await commitLog(repo.bareDir, 'main..feature/two');
    expect(log.map((c) => c.subject)).toEqual([
      expect.stringMatching(/^drover: Two commits/),
      'agent: own commit',
    ]);
  });

  it('reads the prompt from a file and takes the prompt on stdin too', async () => {
    const promptFile = join(dataDir, 'prompt.txt');
    writeFileSync(promptFile, 'Prompt from a file');
    const res = await runDrover(
      job('--prompt-file', promptFile, '--agent-cmd', 'cat > from-stdin.txt', '--json'),
      { env: env() },
    );
    const record = JSON.parse(res.stdout);
    expect(await readFileAtRef(repo.bareDir, record.branch, 'from-stdin.txt')).toBe('Prompt from a file');
  });

  it('fails with agent_exit and the code when the agent exits non-zero, pushing nothing', async () => {
    const res = await runDrover(
      job('--prompt', 'x', '--agent-cmd', 'echo partial > p.txt; exit 3', '--json'),
      { env: env() },
    );
    expect(res.code).toBe(1);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'failed', errorKind: 'agent_exit', exitCode: 3 });
    expect(record.errorMessage).toMatch(/exited with code 3/);
    expect(await listBranches(repo.bareDir)).not.toContain(record.branch);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('fails with no_changes unless --allow-no-changes', async () => {
    const failed = JSON.parse(
      (await runDrover(job('--prompt', 'x', '--agent-cmd', 'true', '--json'), { env: env() })).stdout,
    );
    expect(failed).toMatchObject({ status: 'failed', errorKind: 'no_changes' });
    expect(failed.errorMessage).toMatch(/--allow-no-changes/);
    const ok = await runDrover(job('--prompt', 'x', '--agent-cmd', 'true', '--allow-no-changes', '--json'), {
      env: env(),
    });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).status).toBe('succeeded');
  });

  it('commits without pushing with --no-push', async () => {
    const res = await runDrover(
      job('--prompt', 'x', '--agent-cmd', 'echo a > a.txt', '--no-push', '--json'),
      { env: env() },
    );
    const record = JSON.parse(res.stdout);
    expect(record.status).toBe('succeeded');
    expect(record.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await listBranches(repo.bareDir)).not.toContain(record.branch);
  });

  it('refuses a missing local repository or base branch before creating a job (exit 2)', async () => {
    const missing = await runDrover(
      [
        'run',
        '--repo',
        // Not under the data dir: no job may clone from there (exit 2 before anything runs).
        join(tmpdir(), `drover-no-such-repo-${process.pid}.git`),
        '--prompt',
        'x',
        '--agent-cmd',
        'true',
        '--json',
        '--data-dir',
        dataDir,
      ],
      { env: env() },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/repo: \S+drover-no-such-repo-\d+\.git does not exist/);
    const badBase = await runDrover(
      job('--prompt', 'x', '--agent-cmd', 'true', '--base', 'no-such-branch', '--json'),
      { env: env() },
    );
    expect(badBase.code).toBe(2);
    expect(badBase.stderr).toMatch(/baseRef \(--base\): there is no branch "no-such-branch"/);
  });
});

describe('invalid input', () => {
  it.each([
    [['--prompt', 'x', '--agent', 'command'], /agentCmd \(--agent-cmd\): is required/],
    [['--agent-cmd', 'true'], /prompt \(--prompt or --prompt-file\): is required/],
    [
      ['--prompt', 'x', '--agent-cmd', 'true', '--timeout', 'soon'],
      /timeout: "soon" is not a duration; use e\.g\. 90s, 15m or 1h/,
    ],
    [
      ['--prompt', 'x', '--agent-cmd', 'true', '--idle-timeout', '0s'],
      /idleTimeout \(--idle-timeout\): expected a duration above zero/,
    ],
    [['--prompt', 'x', '--agent-cmd', 'true', '--branch', '--evil'], /branch: must not start with "-"/],
    [['--prompt', 'x', '--agent', 'gpt'], /Allowed choices are claude, command, codex, gemini/],
    [
      ['--prompt', 'x', '--prompt-file', '/etc/hostname', '--agent-cmd', 'true'],
      /either --prompt or --prompt-file/,
    ],
    [['--prompt-file', '/nonexistent/prompt.md', '--agent-cmd', 'true'], /cannot read --prompt-file/],
    [['--prompt', 'x', '--agent-cmd', 'true', '--max-turns', 'lots'], /maxTurns \(--max-turns\)/],
  ])('%j exits 2 naming the problem, and starts nothing', async (args, message) => {
    const before = JSON.parse((await runDrover(['list', '--json', '--data-dir', dataDir])).stdout).jobs
      .length;
    const res = await runDrover(job(...args), { env: env() });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
    const after = JSON.parse((await runDrover(['list', '--json', '--data-dir', dataDir])).stdout).jobs.length;
    expect(after).toBe(before);
  });

  it.each([
    ['ext::sh -c touch% /tmp/drover-pwned', /transport is not allowed/],
    ['-uhttps://example', /must not start with "-"/],
    ['https://user:pw@example.com/r.git', /must not embed credentials/],
  ])('refuses the repo %j', async (url, message) => {
    const res = await runDrover(
      ['run', '--repo', url, '--prompt', 'x', '--agent-cmd', 'true', '--data-dir', dataDir],
      {
        env: env(),
      },
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/repo: /);
    expect(res.stderr).toMatch(message);
  });

  it('reports unknown jobs and unknown flags as invalid input', async () => {
    const status = await runDrover(['status', 'nope', '--data-dir', dataDir]);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/No job with id nope/);
    const flag = await runDrover(['run', '--repo', repo.bareDir, '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--bogus'/);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import { type BareRepo, createBareRepo, runGit } from '../support/gitRepos.js';
import { cliBin } from '../support/models/cli.js';

// The errors a new user meets in the first hour say what is wrong and how to fix it, in one sentence,
// never with a stack trace or git's noise.

let repo: BareRepo;
let root: string;
let dataDir: string;
let git: GitHttpServer;
const STACK = /\n\s+at .*:\d+:\d+/;
const env = (extra: Record<string, string | undefined> = {}) => ({
  DROVER_WORK_DIR: join(root, 'work'),
  ...extra,
});
const jobCount = async () =>
  JSON.parse((await runDrover(['list', '--json', '--data-dir', dataDir])).stdout).jobs.length as number;

beforeAll(async () => {
  repo = await createBareRepo();
  root = mkdtempSync(join(tmpdir(), 'drover-errors-'));
  dataDir = join(root, 'data');
  await runGit(['init', '-q', '-b', 'main', join(root, 'fresh')]); // no commits yet
  await runGit(['init', '-q', '--bare', '-b', 'main', join(root, 'served', 'empty.git')]);
  mkdirSync(join(root, 'plain-dir'));
  writeFileSync(join(root, 'a-file'), 'x');
  git = await startGitHttpServer({ projectRoot: join(root, 'served') });
  await runGit(['clone', '-q', '--bare', repo.bareDir, join(root, 'served', 'app.git')]);
});
afterAll(async () => {
  await git.close();
  await repo.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('errors that guide', () => {
  it.each([
    [
      'a repository with no commits',
      ['--repo', 'fresh'],
      /repo: \S+fresh has no commits yet; commit something first/,
    ],
    [
      'a directory that is not a git repository',
      ['--repo', 'plain-dir'],
      /plain-dir is not a git repository/,
    ],
    ['a missing path', ['--repo', 'nope'], /repo: \S+nope does not exist/],
    ['a file', ['--repo', 'a-file'], /a-file is a file, not a git repository/],
    [
      'a missing base branch',
      ['--repo', 'REPO', '--base', 'no-such'],
      /baseRef \(--base\): there is no branch "no-such" in /,
    ],
    [
      'no --prompt',
      ['--repo', 'REPO', '--no-prompt-given'],
      /prompt \(--prompt or --prompt-file\): is required/,
    ],
  ])('local repos are checked before the job exists: %s', async (_name, args, message) => {
    const before = await jobCount();
    const resolved = args
      .map((a) => (a === 'REPO' ? repo.bareDir : a))
      .filter((a) => a !== '--no-prompt-given');
    const prompt = args.includes('--no-prompt-given') ? [] : ['--prompt', 'x'];
    for (const cmd of ['run', 'submit']) {
      const res = await runDrover(
        [cmd, ...resolved, ...prompt, '--agent-cmd', 'true', '--data-dir', dataDir],
        {
          cwd: root,
          env: env(),
        },
      );
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(STACK);
      expect(res.stdout).toBe('');
    }
    expect(await jobCount()).toBe(before);
  });

  it('a broken setting stops the commands that use it; looking at jobs still works', async () => {
    const broken = env({ DROVER_CONFIG: join(root, 'no-such-config.yaml') });
    const run = await runDrover(['submit', '--repo', repo.bareDir, '--prompt', 'x', '--agent-cmd', 'true'], {
      env: { ...broken, DROVER_DATA_DIR: dataDir },
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/no-such-config\.yaml/);
    expect(run.stderr).not.toMatch(STACK);
    const list = await runDrover(['list', '--json', '--data-dir', dataDir], { env: broken });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).jobs).toBeInstanceOf(Array);

    const attempts = await runDrover(['list', '--data-dir', dataDir], {
      env: env({ DROVER_MAX_ATTEMPTS: '0' }),
    });
    expect(attempts.code).toBe(2);
    expect(attempts.stderr).toMatch(/DROVER_MAX_ATTEMPTS: must be a whole number from 1 to 100 \(got "0"\)/);
    expect(attempts.stderr).not.toMatch(STACK);
  });

  it('an unknown --agent: one line naming the choices, nothing after it', async () => {
    const res = await runDrover(['run', '--repo', repo.bareDir, '--prompt', 'x', '--agent', 'gpt'], {
      env: env(),
    });
    expect(res.code).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines.at(-1)).toMatch(
      /^drover: option '--agent <name>' argument 'gpt' is invalid. Allowed choices are claude, command, codex, gemini\.$/,
    );
    expect(res.stderr).not.toContain('Usage:');
  });

  it.each([
    [
      'an empty remote repository',
      'empty.git',
      [],
      /failed: the repository has no commits; push a first commit/,
    ],
    [
      'a missing remote branch',
      'app.git',
      ['--base', 'nope'],
      /at nope failed: the branch "nope" does not exist there/,
    ],
    ['a missing remote repository', 'gone.git', [], /failed: there is no repository there/],
  ])('clone failures are one sentence: %s', async (_name, path, args, message) => {
    const res = await runDrover(
      [
        'run',
        '--repo',
        `${git.url}/${path}`,
        ...args,
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
    expect(res.code).toBe(1);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'failed', errorKind: 'clone_failed' });
    expect(record.errorMessage).toMatch(message);
    expect(record.errorMessage).not.toMatch(/Cloning into|fatal:|hint:|Please make sure/);
    expect(res.stderr).not.toMatch(STACK);
    expect(res.stderr).not.toMatch(/"level"/); // no log lines about it either
  });

  it.each([
    // With the model gateway (the default) the job stops before the agent runs: nothing to call with.
    [
      'claude',
      [],
      /^Claude Code has no model credentials on this runner \(anthropic\): set ANTHROPIC_API_KEY/,
    ],
    ['codex', [], /^Codex has no model credentials on this runner \(openai\): set OPENAI_API_KEY/],
    ['gemini', [], /^Gemini CLI has no model credentials on this runner \(gemini\): set GEMINI_API_KEY/],
    // Without it the agent's own words are recognised and explained.
    [
      'claude',
      ['--no-gateway'],
      /Claude Code has no credentials: set ANTHROPIC_API_KEY .*\(Claude Code said: Not logged in/,
    ],
    [
      'codex',
      ['--no-gateway'],
      /Codex has no credentials: set OPENAI_API_KEY .*\(Codex said: Missing environment variable/,
    ],
    [
      'gemini',
      ['--no-gateway'],
      /Gemini CLI has no credentials: set GEMINI_API_KEY .*must specify the GEMINI_API_KEY/,
    ],
  ] as const)(
    '%s %j without credentials: failed/credentials saying what to set',
    async (agent, flags, message) => {
      const res = await runDrover(
        [
          'run',
          '--repo',
          repo.bareDir,
          '--prompt',
          'x',
          '--agent',
          agent,
          ...flags,
          '--json',
          '--data-dir',
          dataDir,
        ],
        {
          env: env({
            HOME: join(root, 'home'),
            CLAUDE_BIN: cliBin('claude'),
            CODEX_BIN: cliBin('codex'),
            GEMINI_BIN: cliBin('gemini'),
            ANTHROPIC_API_KEY: undefined,
            ANTHROPIC_AUTH_TOKEN: undefined,
            ANTHROPIC_BASE_URL: undefined,
            OPENAI_API_KEY: undefined,
            GEMINI_API_KEY: undefined,
            GOOGLE_API_KEY: undefined,
            // Nothing may leave the machine: the agents fail before any request without a key.
            HTTPS_PROXY: 'http://127.0.0.1:9',
          }),
          timeoutMs: 120_000,
        },
      );
      const record = JSON.parse(res.stdout);
      expect(record, res.stderr).toMatchObject({ status: 'failed', errorKind: 'credentials' });
      expect(record.errorMessage).toMatch(message);
    },
  );

  it('a missing agent CLI says how to install it', async () => {
    const res = await runDrover(
      ['run', '--repo', repo.bareDir, '--prompt', 'x', '--agent', 'claude', '--json', '--data-dir', dataDir],
      { env: env({ CLAUDE_BIN: 'no-such-claude', ANTHROPIC_API_KEY: 'sk-ant-unused-0123456789' }) },
    );
    expect(JSON.parse(res.stdout)).toMatchObject({
      status: 'failed',
      errorKind: 'agent_exit',
      errorMessage:
        'The claude agent could not start: "no-such-claude" was not found on PATH; install it (npm install -g @anthropic-ai/claude-code) or point CLAUDE_BIN at it.',
    });
  });
});

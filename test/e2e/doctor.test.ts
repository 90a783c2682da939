import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { cliBin, minimalPath } from '../support/models/cli.js';
import { type RedisServer, startRedisServer } from '../support/redisServer.js';

// drover doctor on this machine: real git, bubblewrap, the agent CLIs and redis-server.

let root: string;
let redis: RedisServer;
const KEY = 'sk-ant-doctor-secret-0123456789';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-doctor-'));
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.cleanup();
  rmSync(root, { recursive: true, force: true });
});

async function doctor(args: string[], env: Record<string, string | undefined>) {
  const res = await runDrover(['doctor', '--json', ...args], { env, timeoutMs: 90_000 });
  const report = JSON.parse(res.stdout) as { ok: boolean; checks: Check[] };
  const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
  return { res, report, by };
}

describe('drover doctor', () => {
  it('reports a working machine: versions, the sandbox, agents and which keys are set (never their values)', async () => {
    const workDir = join(root, 'work');
    mkdirSync(join(workDir, 'drover-abcdefgh-Xy12Zq', 'repo'), { recursive: true }); // a dead runner's
    const { res, report, by } = await doctor(['--data-dir', join(root, 'data')], {
      PATH: `${dirname(cliBin('claude'))}:${minimalPath()}`,
      DROVER_WORK_DIR: workDir,
      ANTHROPIC_API_KEY: KEY,
      OPENAI_API_KEY: undefined,
      GEMINI_API_KEY: undefined,
      GOOGLE_API_KEY: undefined,
    });
    expect(res.code, res.stdout).toBe(0);
    expect(report.ok).toBe(true);
    expect(by.git).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^git version 2\.\d+/) });
    expect(by.node).toMatchObject({ status: 'ok', detail: `v${process.versions.node}` });
    expect(by.sandbox).toMatchObject({ status: 'ok', detail: expect.stringContaining('namespaces work') });
    expect(by.claude).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^\d+\.\d+\.\d+ \(Claude Code\); credentials: ANTHROPIC_API_KEY set$/),
    });
    expect(by.codex).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^codex-cli \S+; no credentials/),
    });
    expect(by.codex!.fix).toMatch(/^set OPENAI_API_KEY/);
    expect(by.gemini).toMatchObject({ status: 'warn', fix: expect.stringMatching(/^set GEMINI_API_KEY/) });
    expect(by['data dir']).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('(will be created)'),
    });
    expect(by.store).toMatchObject({ status: 'ok' });
    expect(by.disk).toMatchObject({
      status: expect.stringMatching(/ok|warn/),
      detail: expect.stringMatching(/free at/),
    });
    expect(by.workspaces).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^1 left over in /),
      fix: `remove them: rm -rf ${join(workDir, 'drover-abcdefgh-Xy12Zq')}`,
    });
    expect(res.stdout + res.stderr).not.toContain(KEY);
  });

  it('exits 1 naming what is missing and how to fix it; agents that are not installed are warnings', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    const { res, by } = await doctor(['--data-dir', join(file, 'data'), '--redis', 'redis://127.0.0.1:1'], {
      PATH: minimalPath(),
      DROVER_WORK_DIR: join(root, 'work2'),
      DROVER_SANDBOX: 'workspace-write',
      DROVER_BWRAP: join(root, 'no-bwrap'),
      DROVER_LEASE: 'soon',
      CLAUDE_BIN: undefined,
    });
    expect(res.code).toBe(1);
    expect(by.config).toMatchObject({ status: 'fail', detail: expect.stringContaining('DROVER_LEASE') });
    expect(by.sandbox).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('DROVER_SANDBOX=workspace-write'),
    });
    expect(by['data dir']).toMatchObject({ status: 'fail', detail: `${file} is not a directory` });
    expect(by.store).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/),
    });
    expect(by.claude).toMatchObject({
      status: 'warn',
      detail: 'claude not found (jobs with --agent claude would fail)',
      fix: 'npm install -g @anthropic-ai/claude-code, or set CLAUDE_BIN to its path',
    });
    const human = await runDrover(['doctor', '--data-dir', join(file, 'data')], {
      env: { PATH: minimalPath(), DROVER_WORK_DIR: join(root, 'work2') },
    });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      /^✗ data dir +\S+not-a-dir is not a directory\n +fix: point DROVER_DATA_DIR/m,
    );
    expect(human.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ required checks? failed/);
  });

  it('checks that Redis answers when one is configured', async () => {
    const { by } = await doctor(['--redis', redis.url, '--data-dir', join(root, 'data3')], {
      DROVER_WORK_DIR: join(root, 'work3'),
    });
    expect(by.store).toMatchObject({ status: 'ok', detail: expect.stringContaining('Redis answers') });
    expect(by.workspaces).toMatchObject({ status: 'ok' });
  });
});

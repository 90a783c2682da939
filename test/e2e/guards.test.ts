// Guards every agent gets: file activity keeps the idle watchdog quiet, the agent's environment is an
// allow-list, and `drover hook` never blocks the agent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, branchFiles, createBareRepo } from '../support/gitRepos.js';

const TOKEN = 'ghp_guardsTestToken0123456789abcdef';
let repo: BareRepo;
let dir: string;

beforeAll(async () => {
  repo = await createBareRepo();
  dir = mkdtempSync(join(tmpdir(), 'drover-guards-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string> = {}) =>
  runDrover(['run', '--repo', repo.bareDir, '--data-dir', join(dir, 'data'), '--json', ...args], {
    env: { DROVER_WORK_DIR: join(dir, 'work'), ...env },
    timeoutMs: 120_000,
  });

describe('guards', () => {
  it('an agent that prints nothing but keeps changing files is not idle', async () => {
    // Silent for 8 s in all, one file change a second, against a 4 s idle timeout.
    const agent = 'for i in 1 2 3 4 5 6 7 8; do sleep 1; echo "$i" > progress.txt; done';
    const res = await run(['--prompt', 'x', '--agent-cmd', agent, '--idle-timeout', '4s']);
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded' });
    expect((await branchFiles(repo.bareDir, job.branch))['progress.txt']).toBe('8\n');
  });

  it('a silent agent that changes nothing is still stopped by the idle watchdog', async () => {
    const res = await run(['--prompt', 'x', '--agent-cmd', 'sleep 30', '--idle-timeout', '2s']);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'timed_out', errorKind: 'idle_timeout' });
  });

  it('the agent sees no DROVER_* variable and no git token, whatever it is called', async () => {
    const res = await run(['--prompt', 'x', '--agent-cmd', 'env | sort > seen-env.txt'], {
      DROVER_GIT_TOKEN: TOKEN,
      GH_TOKEN: TOKEN,
      DROVER_AGENT_ENV: 'GH_TOKEN,DROVER_GIT_TOKEN,VISIBLE_VAR',
      VISIBLE_VAR: 'visible',
      DROVER_MASK_ENV: 'VISIBLE_VAR',
    });
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded' });
    const seen = (await branchFiles(repo.bareDir, job.branch))['seen-env.txt'] ?? '';
    expect(seen).toContain('VISIBLE_VAR=visible');
    expect(seen).not.toContain(TOKEN);
    // The command agent's own DROVER_PROMPT/JOB_ID/ROLE/WORKSPACE are its interface, nothing else.
    const drover = seen
      .split('\n')
      .filter((l) => l.startsWith('DROVER_'))
      .map((l) => l.split('=')[0]);
    expect(drover.sort()).toEqual(['DROVER_JOB_ID', 'DROVER_PROMPT', 'DROVER_ROLE', 'DROVER_WORKSPACE']);
  });

  it('drover hook appends a report for a Stop and never exits 2 (which would make Claude continue)', async () => {
    const report = join(dir, 'hook.jsonl');
    const ok = await runDrover(['hook', '--report', report], {
      input:
        '{"hook_event_name":"Stop","session_id":"s1","stop_hook_active":false,"last_assistant_message":"All done."}',
    });
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({
      event: 'stop',
      sessionId: 's1',
      message: 'All done.',
    });

    const bad = await runDrover(['hook', '--report', report], { input: '{"stop_hook_active":"yes"}' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/drover hook: invalid hook input: stop_hook_active: /);
    const missing = await runDrover(['hook'], { input: '{}' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--report: the report file is required');
  });
});

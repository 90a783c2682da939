import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, createBareRepo, listBranches, readFileAtRef } from '../support/gitRepos.js';
import { jobLog, phasesOf, systemLines } from '../support/jobLog.js';

// The repo's check passes only once status.txt says "good". The scripted agent writes "bad" on its
// first run and "good" when its prompt carries a verify failure (and echoes that prompt).
const FILES = {
  'README.md': '# verify fixture\n',
  'check.sh':
    '#!/bin/sh\necho "status is $(cat status.txt 2>/dev/null)"\ntest "$(cat status.txt 2>/dev/null)" = good\n',
};
const FIXING_AGENT = [
  'if printf %s "$DROVER_PROMPT" | grep -q "Verification failed"; then',
  '  echo good > status.txt; printf "%s\\n" "$DROVER_PROMPT";',
  'else echo bad > status.txt; fi',
].join(' ');
const STUBBORN_AGENT = 'echo bad > status.txt';

const DELIVERY_PHASES = ['agent', 'verify', 'review', 'committing', 'pushing', 'pr'];

let repo: BareRepo;
let dataDir: string;
let workDir: string;
const job = (...args: string[]) => [
  'run',
  '--repo',
  repo.bareDir,
  '--data-dir',
  dataDir,
  '--prompt',
  'Make the check pass',
  '--verify',
  'sh check.sh',
  '--json',
  ...args,
];

beforeAll(async () => {
  repo = await createBareRepo({ files: FILES });
  dataDir = mkdtempSync(join(tmpdir(), 'drover-e2e-verify-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-e2e-verify-work-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('verify gate', () => {
  it('re-runs the agent with the failing command and its output, then succeeds once the check passes', async () => {
    const res = await runDrover(job('--agent-cmd', FIXING_AGENT, '--branch', 'verify/fixed'), {
      env: { DROVER_WORK_DIR: workDir },
    });
    expect(res.code, res.stderr).toBe(0);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'succeeded', errorKind: null });
    expect(await readFileAtRef(repo.bareDir, 'verify/fixed', 'status.txt')).toBe('good\n');

    const log = await jobLog(record.id, dataDir);
    // Two agent runs: the first attempt and one fix round; two verify rounds.
    expect(phasesOf(log).filter((p) => DELIVERY_PHASES.includes(p))).toEqual([
      'agent',
      'verify',
      'agent',
      'verify',
      'committing',
      'pushing',
    ]);
    const results = systemLines(log, 'verify.result');
    expect(results.map((e) => [e.data?.ok, e.data?.exitCode])).toEqual([
      [false, 1],
      [true, 0],
    ]);
    expect(results[0]?.line).toContain('✗ sh check.sh failed (exit 1');
    expect(systemLines(log, 'verify.command')[0]?.line).toBe('$ sh check.sh');
    // The verify output is in the log, and the fix round's prompt carried the command and its tail.
    const lines = log.map((e) => e.line);
    expect(lines).toContain('status is bad');
    expect(lines).toContain('Command: sh check.sh');
    expect(lines).toContain('Result: exit code 1');
    expect(lines.join('\n')).toMatch(/~~~\nstatus is bad\n~~~/);
    expect(lines).toContain('Make the check pass');

    const report = await runDrover([
      'artifacts',
      record.id,
      '--get',
      'verify-report.json',
      '--data-dir',
      dataDir,
    ]);
    const json = JSON.parse(report.stdout);
    expect(json.ok).toBe(true);
    expect(json.rounds.map((r: { after: string; ok: boolean }) => [r.after, r.ok])).toEqual([
      ['agent', false],
      ['fix', true],
    ]);
    const text = await runDrover([
      'artifacts',
      record.id,
      '--get',
      'verify-report.txt',
      '--data-dir',
      dataDir,
    ]);
    expect(text.stdout).toContain('Verify round 1 (after agent): FAILED');
    expect(text.stdout).toContain('    | status is bad');
    expect(text.stdout).toContain('Verify round 2 (after fix): PASSED');
  });

  it('fails with errorKind verify when the check still fails after the fix rounds, and pushes nothing', async () => {
    const res = await runDrover(
      job('--agent-cmd', STUBBORN_AGENT, '--branch', 'verify/stubborn', '--fix-rounds', '1'),
      { env: { DROVER_WORK_DIR: workDir } },
    );
    expect(res.code).toBe(1);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'failed', errorKind: 'verify', prUrl: null });
    expect(record.errorMessage).toBe(
      'The verify command "sh check.sh" exited with code 1 after 1 fix round.',
    );
    expect(await listBranches(repo.bareDir)).not.toContain('verify/stubborn');
    const log = await jobLog(record.id, dataDir);
    expect(phasesOf(log).filter((p) => p === 'agent')).toHaveLength(2);
    expect(systemLines(log, 'verify.result').map((e) => e.data?.ok)).toEqual([false, false]);
    // The diff of what the agent left is kept even though nothing was committed.
    const diff = await runDrover(['artifacts', record.id, '--get', 'changes.diff', '--data-dir', dataDir]);
    expect(diff.stdout).toContain('+bad');
  });

  it('skips the verify phase when no verify command is configured', async () => {
    const res = await runDrover(
      [
        'run',
        '--repo',
        repo.bareDir,
        '--data-dir',
        dataDir,
        '--prompt',
        'No checks',
        '--agent-cmd',
        STUBBORN_AGENT,
        '--fix-rounds',
        '0',
        '--json',
      ],
      { env: { DROVER_WORK_DIR: workDir } },
    );
    expect(res.code).toBe(0);
    const log = await jobLog(JSON.parse(res.stdout).id, dataDir);
    expect(phasesOf(log)).not.toContain('verify');
  });

  it('takes the verify commands from the repo’s .drover.yml when the job names none', async () => {
    const withPlaybook = await createBareRepo({
      files: { ...FILES, '.drover.yml': 'verify:\n  - sh check.sh\n' },
    });
    try {
      const res = await runDrover(
        [
          'run',
          '--repo',
          withPlaybook.bareDir,
          '--data-dir',
          dataDir,
          '--prompt',
          'Make the check pass',
          '--json',
        ].concat(['--agent-cmd', FIXING_AGENT]),
        { env: { DROVER_WORK_DIR: workDir } },
      );
      expect(res.code, res.stderr).toBe(0);
      const log = await jobLog(JSON.parse(res.stdout).id, dataDir);
      expect(systemLines(log, 'verify.result').map((e) => e.data?.ok)).toEqual([false, true]);
    } finally {
      await withPlaybook.cleanup();
    }
  });

  it('refuses bad verify input naming the field', async () => {
    const empty = await runDrover(job('--agent-cmd', 'true', '--verify', ''), {
      env: { DROVER_WORK_DIR: workDir },
    });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/verify\.1: must not be empty/);
    const rounds = await runDrover(job('--agent-cmd', 'true', '--fix-rounds', '11'), {
      env: { DROVER_WORK_DIR: workDir },
    });
    expect(rounds.code).toBe(2);
    expect(rounds.stderr).toContain('fixRounds (--fix-rounds)');
  });
});

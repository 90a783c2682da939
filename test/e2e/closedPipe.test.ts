import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/parseJobSpec.js';
import { SqliteStore } from '../../src/store/SqliteStore.js';
import { DROVER_BIN, runDrover, testEnv } from '../support/drover.js';
import { type BareRepo, createBareRepo } from '../support/gitRepos.js';

// `drover <cmd> | head`: the reader goes away after a few lines. Every command that prints must end
// quietly with exit 0 (no EPIPE stack trace); drover run finishes its job first.

let repo: BareRepo;
let dataDir: string;
let workDir: string;

/** Runs `drover <args> | head -n <n>` in bash with pipefail: the exit code is drover's. */
function piped(args: string[], n = 2): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
  const cmd = `${[process.execPath, DROVER_BIN, ...args].map(quote).join(' ')} | head -n ${n}`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', cmd], {
      env: testEnv({ DROVER_WORK_DIR: workDir }) as Record<string, string>,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  repo = await createBareRepo();
  dataDir = mkdtempSync(join(tmpdir(), 'drover-pipe-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-pipe-work-'));
  // Enough jobs that `drover list` writes far more than a pipe holds (64 KiB) after head has gone.
  const store = new SqliteStore(join(dataDir, 'drover.db'));
  const spec = parseJobSpec({
    repo: `/srv/${'long-name-'.repeat(40)}.git`,
    prompt: 'x',
    agent: 'command',
    agentCmd: 'true',
  });
  for (let i = 0; i < 300; i++) await store.enqueue(spec);
  await store.close();
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('a closed output pipe', () => {
  it('ends run, logs, list, status and artifacts quietly with exit 0; run finishes its job first', async () => {
    const store = ['--data-dir', dataDir];
    const run = await piped([
      'run',
      '--repo',
      repo.bareDir,
      ...store,
      '--prompt',
      'flood',
      '--agent-cmd',
      'seq 1 100000; echo done > done.txt',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n')[0]).toMatch(/^Job \S+ →/);
    const id = /Job (\S+) →/.exec(run.stdout)![1]!;
    const record = JSON.parse((await runDrover(['status', id, '--json', ...store])).stdout);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 1 });

    for (const args of [
      ['logs', id],
      ['logs', id, '--follow'],
      ['logs', id, '--json'],
      ['list', '--limit', '300'],
      ['list', '--limit', '300', '--json'],
      ['status', id],
      ['artifacts', id, '--get', 'log.txt'],
    ]) {
      const res = await piped([...args, ...store], 1);
      expect(res, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout.split('\n')).toHaveLength(2); // head's one line
    }
  });
});

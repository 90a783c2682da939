// The bubblewrap sandbox around agents: what an agent command can and cannot do to the host.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, branchFiles, createBareRepo } from '../support/gitRepos.js';
import { jobLog, logText } from '../support/jobLog.js';

const TOKEN = 'ghp_sandboxTestToken0123456789abcdef';
const SECRET = 'runner-only-secret-0123456789';
let repo: BareRepo;
let dir: string;
const mark = `${process.pid}-${Date.now()}`;
const etcFile = `/etc/drover-pwned-${mark}`;
const outsideFile = `/var/tmp/drover-outside-${mark}`;

beforeAll(async () => {
  repo = await createBareRepo();
  dir = mkdtempSync(join(tmpdir(), 'drover-sandbox-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
  rmSync(etcFile, { force: true });
  rmSync(outsideFile, { force: true });
});

const dataDir = () => join(dir, 'data');
const run = (args: string[], env: Record<string, string> = {}) =>
  runDrover(['run', '--repo', repo.bareDir, '--data-dir', dataDir(), '--json', ...args], {
    env: { DROVER_WORK_DIR: join(dir, 'work'), DROVER_GIT_TOKEN: TOKEN, RUNNER_SECRET: SECRET, ...env },
    timeoutMs: 120_000,
  });

// Each probe prints its error (into the job log) and records in probe.txt what it managed to do.
const PROBES = [
  'echo probe > probe.txt',
  `touch ${etcFile} && echo "etc writable" >> probe.txt`,
  'echo "# pwned" >> /etc/hosts && echo "hosts writable" >> probe.txt',
  `echo x > ${outsideFile} && echo "outside writable" >> probe.txt`,
  'echo x > .git/hooks/post-checkout && echo "hooks writable" >> probe.txt',
  'git config core.hooksPath /tmp/evil && echo "git config writable" >> probe.txt',
  "(env; cat /proc/[0-9]*/environ | tr '\\0' '\\n') > seen-env.txt 2>/dev/null",
  'ls -A "$DATA_DIR_PROBE" > seen-data.txt 2>&1',
  'true',
].join('; ');

describe('sandbox', () => {
  it('an agent cannot write outside the workspace, edit /etc, plant git hooks or read the runner’s secrets', async () => {
    const hostsBefore = readFileSync('/etc/hosts', 'utf8');
    const res = await run([
      '--prompt',
      'probe the sandbox',
      '--agent-cmd',
      PROBES.replace('$DATA_DIR_PROBE', dataDir()),
    ]);
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded' });

    const files = await branchFiles(repo.bareDir, job.branch);
    expect(files['probe.txt']).toBe('probe\n');
    expect(files['seen-env.txt']).not.toContain(SECRET);
    expect(files['seen-env.txt']).not.toContain(TOKEN);
    expect(files['seen-env.txt']).not.toContain('DROVER_GIT_TOKEN');
    expect(files['seen-data.txt']).not.toContain('drover.db'); // the job store is hidden
    const log = logText(await jobLog(job.id, dataDir()));
    expect(log).toContain('Sandbox: workspace-write');
    expect(log).toMatch(/\[stderr\].*Read-only file system/);

    expect(existsSync(etcFile)).toBe(false);
    expect(existsSync(outsideFile)).toBe(false);
    expect(readFileSync('/etc/hosts', 'utf8')).toBe(hostsBefore);
  });

  it('without the sandbox the same probe does see the runner’s secrets (the probe is real)', async () => {
    const res = await run([
      '--prompt',
      'probe',
      '--agent-cmd',
      PROBES.replace('$DATA_DIR_PROBE', dataDir()),
      '--sandbox',
      'none',
    ]);
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded' });
    const files = await branchFiles(repo.bareDir, job.branch);
    expect(files['seen-env.txt']).toContain(SECRET); // /proc/<runner>/environ, same user
    expect(logText(await jobLog(job.id, dataDir()))).toContain('Sandbox: none (as requested)');
    rmSync(etcFile, { force: true });
    rmSync(outsideFile, { force: true });
  });

  it('read-only: the agent cannot change the workspace', async () => {
    const res = await run(['--prompt', 'x', '--agent-cmd', 'echo x > a.txt', '--sandbox', 'read-only']);
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'agent_exit' });
    expect(logText(await jobLog(job.id, dataDir()))).toMatch(/\[stderr\].*a\.txt: Read-only file system/);
  });

  it('when bubblewrap cannot create namespaces: a warning by default, errorKind sandbox when one was requested', async () => {
    const fake = join(dir, 'fake-bwrap');
    writeFileSync(fake, '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n');
    chmodSync(fake, 0o755);

    const auto = await run(['--prompt', 'x', '--agent-cmd', 'echo ok > ok.txt'], { DROVER_BWRAP: fake });
    const autoJob = JSON.parse(auto.stdout);
    expect(autoJob, auto.stderr).toMatchObject({ status: 'succeeded' });
    expect(logText(await jobLog(autoJob.id, dataDir()))).toContain(
      'WARNING: no sandbox: ' +
        `${fake} cannot create its namespaces here: bwrap: No permissions to create new namespace`,
    );

    const strict = await run(
      ['--prompt', 'x', '--agent-cmd', 'echo ok > ok.txt', '--sandbox', 'workspace-write'],
      {
        DROVER_BWRAP: fake,
      },
    );
    const strictJob = JSON.parse(strict.stdout);
    expect(strictJob).toMatchObject({ status: 'failed', errorKind: 'sandbox' });
    expect(strictJob.errorMessage).toMatch(
      /^sandbox: "workspace-write" was requested but .*cannot create its namespaces/,
    );
  });
});

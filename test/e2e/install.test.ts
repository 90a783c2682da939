import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputEntry } from '../../src/jobs/OutputEntry.js';
import { type BareRepo, branchFiles, createBareRepo, hermeticGitEnv } from '../support/gitRepos.js';
import { logArtifactText, logText } from '../support/jobLog.js';
import { CLAUDE_TEST_MODEL, startAnthropicServer } from '../support/models/anthropic.js';
import { cliBin, minimalPath } from '../support/models/cli.js';
import { waitFor } from '../support/processes.js';

// Drover as a user installs it: the tarball `npm pack` makes, laid out the way `npm install -g
// --prefix <dir>` lays it out, run as `drover` from directories other than the checkout.
//
// A real `npm install -g <tarball>` resolves every dependency range against the registry (a shipped
// npm-shrinkwrap.json is not used for that) and builds better-sqlite3, so it cannot run offline. This
// test therefore unpacks the real tarball into <prefix>/lib/node_modules/drover, gives it exactly the
// production dependencies the lockfile lists (linked from this checkout, so Drover's own imports see
// nothing but them), and links <prefix>/bin/drover to the package's bin as npm does. What it checks is
// the package itself: files, bin and shebang, the dashboard's assets, and that it runs from anywhere.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: { drover: string };
};
let tmp: string;
let prefix: string;
let home: string;
let packed: string[];
let repo: BareRepo;

function npmPack(): string[] {
  // --ignore-scripts: the suite runs against the dist/ that `npm run build` made before it.
  const res = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  expect(res.status, res.stderr).toBe(0);
  const [info] = JSON.parse(res.stdout) as { filename: string; files: { path: string }[] }[];
  const lib = join(prefix, 'lib', 'node_modules');
  mkdirSync(lib, { recursive: true });
  expect(spawnSync('tar', ['-xzf', join(tmp, info!.filename), '-C', lib]).status).toBe(0);
  renameSync(join(lib, 'package'), join(lib, 'drover'));
  return info!.files.map((f) => f.path);
}

/** The lockfile's top-level production packages, linked into the installed package's node_modules. */
function linkProductionDependencies(): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  const target = join(prefix, 'lib', 'node_modules', 'drover', 'node_modules');
  for (const [path, meta] of Object.entries(lock.packages)) {
    const name = path.replace(/^node_modules\//, '');
    if (!path.startsWith('node_modules/') || name.includes('/node_modules/') || meta.dev || meta.devOptional)
      continue;
    mkdirSync(dirname(join(target, name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(target, name));
  }
}

function drover(args: string[], cwd: string, timeoutMs = 120_000, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('drover', args, {
      cwd,
      env: {
        ...hermeticGitEnv({ HOME: home, XDG_CONFIG_HOME: undefined }),
        PATH: `${join(prefix, 'bin')}:${minimalPath()}`,
        DROVER_WORK_DIR: join(tmp, 'work'),
        NO_COLOR: '1',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'drover-install-'));
  prefix = join(tmp, 'prefix');
  home = join(tmp, 'home');
  mkdirSync(home);
  for (const dir of ['a', 'b']) mkdirSync(join(tmp, dir));
  repo = await createBareRepo();
  packed = npmPack();
  linkProductionDependencies();
  // npm's bin links: <prefix>/bin/<name> → the package's bin file, made executable.
  const bin = join(prefix, 'lib', 'node_modules', 'drover', pkg.bin.drover);
  chmodSync(bin, 0o755);
  mkdirSync(join(prefix, 'bin'));
  symlinkSync(join('..', 'lib', 'node_modules', 'drover', pkg.bin.drover), join(prefix, 'bin', 'drover'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('ships the CLI, the dashboard and the README; no sources, tests or source maps', () => {
    expect(packed).toEqual(
      expect.arrayContaining(['package.json', 'README.md', pkg.bin.drover, 'dist/web/index.html']),
    );
    expect(packed.some((f) => /^dist\/web\/assets\/.*\.js$/.test(f))).toBe(true);
    expect(packed.filter((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'README.md')).toEqual(
      [],
    );
    expect(packed.filter((f) => f.endsWith('.map') || f.includes('.test.'))).toEqual([]);
    const bin = readFileSync(join(prefix, 'lib', 'node_modules', 'drover', pkg.bin.drover), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    // The CLI is the bundle alone: its entry and chunks, no module tree from tsc.
    expect(packed.filter((f) => f.startsWith('dist/') && !f.startsWith('dist/web/'))).toEqual(
      expect.arrayContaining([pkg.bin.drover]),
    );
    expect(
      packed.filter(
        (f) => f.startsWith('dist/') && !f.startsWith('dist/web/') && !f.startsWith('dist/cli/chunks/'),
      ),
    ).toEqual([pkg.bin.drover]);
  });

  it('runs from any directory, and run, list and serve started in different directories share one store', async () => {
    const version = await drover(['--version'], join(tmp, 'a'));
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    const run = await drover(
      ['run', '--repo', repo.bareDir, '--prompt', 'Say hi', '--agent-cmd', 'echo hi > hi.txt', '--json'],
      join(tmp, 'a'),
    );
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout) as { id: string; status: string };
    expect(job.status).toBe('succeeded');
    const dataDir = join(home, '.local', 'share', 'drover');
    expect(existsSync(join(dataDir, 'drover.db'))).toBe(true);
    expect(existsSync(join(tmp, 'a', '.drover'))).toBe(false);

    const list = await drover(['list', '--json'], join(tmp, 'b'));
    expect(JSON.parse(list.stdout).jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    const artifacts = await drover(['artifacts', job.id], join(tmp, 'b'));
    expect(artifacts.stdout).toContain('changes.diff');

    // The dashboard's files come from the installed package.
    const serve = spawn('drover', ['serve', '--port', '0', '--no-workers'], {
      cwd: join(tmp, 'b'),
      env: {
        ...hermeticGitEnv({ HOME: home }),
        PATH: `${join(prefix, 'bin')}:${minimalPath()}`,
        DROVER_LOG_FORMAT: 'json',
      },
    });
    let out = '';
    serve.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = new Promise((resolve) => serve.on('close', resolve));
    try {
      const url = await waitFor(() => /serving (http:\/\/\S+?)\//.exec(out)?.[1], 30_000, 'serve to listen');
      const index = await fetch(`${url}/`);
      expect(index.status).toBe(200);
      const html = await index.text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect((await fetch(`${url}${script}`)).status).toBe(200);
      const jobs = (await (await fetch(`${url}/api/jobs`)).json()) as { jobs: { id: string }[] };
      expect(jobs.jobs.map((j) => j.id)).toEqual([job.id]);
    } finally {
      serve.kill('SIGTERM');
      await closed;
    }

    const doctor = await drover(['doctor', '--json'], join(tmp, 'b'));
    const report = JSON.parse(doctor.stdout) as { checks: { name: string; detail: string }[] };
    expect(report.checks.find((c) => c.name === 'data dir')?.detail).toBe(`${dataDir} (writable)`);
  });

  it('runs Claude in the sandbox with Drover visible inside it: the Stop hook reports back', async () => {
    const installed = join(prefix, 'lib', 'node_modules', 'drover', pkg.bin.drover);
    const srv = await startAnthropicServer([
      // Drover's own CLI, from its install under /tmp, runs inside the sandbox too.
      { toolUse: { name: 'Bash', input: { command: `node ${installed} --version > version.txt` } } },
      { text: 'Wrote version.txt.' },
    ]);
    try {
      const dataDir = join(tmp, 'claude-data');
      const res = await drover(
        ['run', '--repo', repo.bareDir, '--prompt', 'Write the version', '--agent', 'claude'].concat([
          '--model',
          CLAUDE_TEST_MODEL,
          '--json',
          '--data-dir',
          dataDir,
        ]),
        join(tmp, 'a'),
        170_000,
        {
          CLAUDE_BIN: cliBin('claude'),
          ANTHROPIC_BASE_URL: srv.url,
          ANTHROPIC_API_KEY: 'sk-ant-install-test-0123456789',
          CLAUDE_CODE_MAX_RETRIES: '0',
          DROVER_KILL_GRACE: '1s',
        },
      );
      const job = JSON.parse(res.stdout);
      expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'claude' });
      expect((await branchFiles(repo.bareDir, job.branch))['version.txt']).toBe(`${pkg.version}\n`);
      const logs = await drover(['logs', job.id, '--json', '--data-dir', dataDir], join(tmp, 'b'));
      const log = logs.stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as OutputEntry);
      expect(logText(log)).toContain('Sandbox: workspace-write');
      expect(
        log.find((e) => e.type === 'agent.done'),
        logText(log),
      ).toMatchObject({
        data: { type: 'agent.done', message: 'Wrote version.txt.' },
      });
      // The log artifact was written while the job ran, and says what `drover logs` says.
      const artifact = readFileSync(join(dataDir, 'artifacts', job.id, 'log.txt'), 'utf8');
      expect(artifact).toBe(logArtifactText(log));
    } finally {
      await srv.close();
    }
  }, 180_000);
});

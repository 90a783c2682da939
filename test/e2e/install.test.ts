// The bundled CLI as users get it: `npm pack`, unpacked into a node_modules under /tmp (so the sandbox
// has to expose it), its dependencies beside it. Everything that finds files next to Drover's own code
// must work from there: the version, the dashboard, the sandbox's view of Drover, Claude's Stop hook.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover, spawnDrover } from '../support/drover.js';
import { type BareRepo, branchFiles, createBareRepo } from '../support/gitRepos.js';
import { jobLog, logArtifactText, logText } from '../support/jobLog.js';
import { CLAUDE_TEST_MODEL, cliBin, minimalPath, startAnthropicServer } from '../support/models/index.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
let root: string;
let installed: string;
let bin: string;
let repo: BareRepo;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-install-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', root], {
      cwd: repoRoot,
      env: { ...process.env, npm_config_loglevel: 'silent', npm_config_update_notifier: 'false' },
    }).toString(),
  ) as { filename: string }[];
  const modules = join(root, 'app', 'node_modules');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['xzf', join(root, packed[0]!.filename), '-C', modules]);
  installed = join(modules, 'drover');
  execFileSync('mv', [join(modules, 'package'), installed]);
  // Its dependencies, as npm would have put them beside it.
  for (const name of readdirSync(join(repoRoot, 'node_modules'))) {
    if (name.startsWith('.') || name === 'drover') continue;
    symlinkSync(join(repoRoot, 'node_modules', name), join(modules, name));
  }
  bin = join(installed, 'dist', 'cli', 'main.js');
  mkdirSync(join(root, 'home'));
  repo = await createBareRepo();
}, 120_000);

afterAll(async () => {
  await repo?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('the CLI installed from the packed tarball', () => {
  it('is the bundle alone (no module tree from tsc), and it knows its version', async () => {
    expect(readdirSync(join(installed, 'dist')).sort()).toEqual(['cli', 'web']);
    expect(readdirSync(join(installed, 'dist', 'cli')).sort()).toEqual(['chunks', 'main.js', 'main.js.map']);
    const version = await runDrover(['--version'], { bin });
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await runDrover(['--help'], { bin });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('run one job now');
  });

  it('runs Claude in the sandbox with Drover visible inside it: the Stop hook reports back', async () => {
    const srv = await startAnthropicServer([
      {
        toolUse: {
          name: 'Bash',
          // Drover's own CLI, from its /tmp install, runs inside the sandbox too.
          input: { command: `node ${bin} --version > version.txt` },
        },
      },
      { text: 'Wrote version.txt.' },
    ]);
    try {
      const dataDir = join(root, 'data');
      const res = await runDrover(
        ['run', '--repo', repo.bareDir, '--prompt', 'Write the version', '--agent', 'claude'].concat([
          '--model',
          CLAUDE_TEST_MODEL,
          '--json',
          '--data-dir',
          dataDir,
        ]),
        {
          bin,
          env: {
            PATH: minimalPath(),
            HOME: join(root, 'home'),
            CLAUDE_BIN: cliBin('claude'),
            ANTHROPIC_BASE_URL: srv.url,
            ANTHROPIC_API_KEY: 'sk-ant-install-test-0123456789',
            CLAUDE_CODE_MAX_RETRIES: '0',
            DROVER_WORK_DIR: join(root, 'work'),
            DROVER_KILL_GRACE: '1s',
          },
          timeoutMs: 170_000,
        },
      );
      const job = JSON.parse(res.stdout);
      expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'claude' });
      expect((await branchFiles(repo.bareDir, job.branch))['version.txt']).toBe(`${pkg.version}\n`);
      const log = await jobLog(job.id, dataDir);
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
      const status = await runDrover(['status', job.id, '--data-dir', dataDir], { bin });
      expect(status.stdout).toMatch(/status\s+succeeded/);
    } finally {
      await srv.close();
    }
  }, 180_000);

  it('serves the dashboard from its own dist/web', async () => {
    const dataDir = join(root, 'serve-data');
    const { child, done } = spawnDrover(
      ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
      { bin, env: { DROVER_API_TOKENS: 'install-test-token-0123456789' }, timeoutMs: 60_000 },
    );
    try {
      let out = '';
      child.stdout!.on('data', (d: string) => (out += d));
      const url = await new Promise<string>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
        child.stdout!.on('data', () => {
          const match = /serving (http:\/\/[^/\s]+)\//.exec(out);
          if (match?.[1]) {
            clearTimeout(timer);
            resolvePromise(match[1]);
          }
        });
      });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toBe(readFileSync(join(installed, 'dist', 'web', 'index.html'), 'utf8'));
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });
});

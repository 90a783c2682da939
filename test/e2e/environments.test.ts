// Named environments (DROVER_CONFIG) and the repository playbook (.drover.yml): the setup phase.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, branchFiles, createBareRepo, DEFAULT_FILES } from '../support/gitRepos.js';
import { jobLog, logText } from '../support/jobLog.js';

let dir: string;
let configFile: string;
const repos: BareRepo[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drover-env-'));
  configFile = join(dir, 'drover.config.yaml');
  writeFileSync(
    configFile,
    [
      'environments:',
      '  node:',
      '    env:',
      '      GREETING: hello-from-env',
      '      NPM_TOKEN: npm-secret-value-0123456789',
      '    passEnv: [PASS_ME]',
      '    setup:',
      '      - echo "env setup says $GREETING"',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  for (const r of repos) await r.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function repoWith(playbook: string | undefined): Promise<BareRepo> {
  const repo = await createBareRepo({
    files: { ...DEFAULT_FILES, ...(playbook ? { '.drover.yml': playbook } : {}) },
  });
  repos.push(repo);
  return repo;
}

const dataDir = () => join(dir, 'data');
const run = (repo: BareRepo, args: string[], env: Record<string, string> = {}) =>
  runDrover(['run', '--repo', repo.bareDir, '--data-dir', dataDir(), '--json', ...args], {
    env: { DROVER_WORK_DIR: join(dir, 'work'), DROVER_CONFIG: configFile, PASS_ME: 'passed-through', ...env },
    timeoutMs: 120_000,
  });

describe('environments and playbook', () => {
  it('runs the environment’s and the playbook’s setup commands before the agent, streaming their output', async () => {
    const repo = await repoWith(
      [
        'setup:',
        '  - echo "playbook setup ran" > .setup-marker',
        '  - echo "playbook var is $PLAYBOOK_VAR"; echo "to stderr" >&2',
        'verify:',
        '  - test -f agent-saw.txt',
        'env:',
        '  PLAYBOOK_VAR: from-playbook',
        '',
      ].join('\n'),
    );
    const agent =
      'cat .setup-marker > agent-saw.txt; echo "$GREETING $PASS_ME $PLAYBOOK_VAR $NPM_TOKEN" >> agent-saw.txt';
    const res = await run(repo, ['--prompt', 'x', '--agent-cmd', agent, '--environment', 'node']);
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'succeeded' });
    const files = await branchFiles(repo.bareDir, job.branch);
    expect(files['agent-saw.txt']).toBe(
      'playbook setup ran\nhello-from-env passed-through from-playbook npm-secret-value-0123456789\n',
    );

    const log = await jobLog(job.id, dataDir());
    const text = logText(log);
    expect(text).toContain('[system:phase] Setting up');
    expect(text).toContain('Environment node: 3 variable(s), 1 setup command(s)');
    expect(text).toContain('Playbook .drover.yml: 2 setup, 1 verify command(s)');
    expect(text).toContain('[system:setup.command] $ echo "env setup says $GREETING"');
    expect(text).toContain('[stdout] env setup says hello-from-env');
    expect(text).toContain('[stdout] playbook var is from-playbook');
    expect(text).toContain('[stderr] to stderr');
    // The setup phase comes before the agent's.
    const setupAt = log.findIndex((e) => e.type === 'setup.command');
    const agentAt = log.findIndex((e) => e.type === 'phase' && e.data?.phase === 'agent');
    expect(setupAt).toBeGreaterThan(0);
    expect(agentAt).toBeGreaterThan(setupAt);
    // A secret-looking variable of the environment is masked in the log.
    expect(text).not.toContain('npm-secret-value-0123456789');
  });

  it('a failing setup step fails the job with errorKind setup and the end of its output; the agent never runs', async () => {
    const repo = await repoWith('setup:\n  - echo "installing"; echo "E404 package not found" >&2; exit 3\n');
    const res = await run(repo, ['--prompt', 'x', '--agent-cmd', 'echo ran > ran.txt']);
    const job = JSON.parse(res.stdout);
    expect(job, res.stderr).toMatchObject({ status: 'failed', errorKind: 'setup' });
    expect(job.errorMessage).toContain('failed with exit code 3');
    expect(job.errorMessage).toContain('E404 package not found');
    const log = await jobLog(job.id, dataDir());
    expect(log.some((e) => e.type === 'phase' && e.data?.phase === 'agent')).toBe(false);
    expect(logText(log)).toContain('[system:setup.result] ✗ echo "installing"');
  });

  it.each([
    ['setup: [1]\n', /\.drover\.yml: setup\.0: .*string/],
    ['setup: []\nunknown: 1\n', /\.drover\.yml: unknown: unknown field/],
    ['env:\n  DROVER_GIT_TOKEN: x\n', /\.drover\.yml: env\.DROVER_GIT_TOKEN.*reserved/],
    ['setup: [\n', /\.drover\.yml: not valid YAML/],
  ])(
    'an invalid playbook fails the job with errorKind setup naming the field (%s)',
    async (playbook, message) => {
      const repo = await repoWith(playbook);
      const job = JSON.parse((await run(repo, ['--prompt', 'x', '--agent-cmd', 'true'])).stdout);
      expect(job).toMatchObject({ status: 'failed', errorKind: 'setup' });
      expect(job.errorMessage).toMatch(message);
    },
  );

  it('an environment the config does not define fails the job with errorKind setup', async () => {
    const repo = await repoWith(undefined);
    const job = JSON.parse(
      (await run(repo, ['--prompt', 'x', '--agent-cmd', 'true', '--environment', 'python'])).stdout,
    );
    expect(job).toMatchObject({ status: 'failed', errorKind: 'setup' });
    expect(job.errorMessage).toBe('environment: "python" is not defined in DROVER_CONFIG (defined: node).');
  });

  it('an invalid DROVER_CONFIG is refused before anything runs, naming the field', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'environments:\n  node:\n    setup: "npm ci"\n');
    const repo = await repoWith(undefined);
    const res = await run(repo, ['--prompt', 'x', '--agent-cmd', 'true'], { DROVER_CONFIG: bad });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/DROVER_CONFIG .*bad\.yaml: environments\.node\.setup: .*array/);
  });
});

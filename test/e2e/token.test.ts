import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretVariants } from '../../src/secrets/secretVariants.js';
import { spawnDrover } from '../support/drover.js';
import { type GitHttpServer, startGitHttpServer } from '../support/gitHttpServer.js';
import { type BareRepo, createBareRepo, readFileAtRef } from '../support/gitRepos.js';
import { waitFor } from '../support/processes.js';

const TOKEN = 'ghp_DroverTestToken0123456789abcdefXYZ';
const EXTRA = 'sk-extra-Secret/With+Chars=42';

let repo: BareRepo;
let server: GitHttpServer;
let root: string;

/** Every form of a secret that must never be written: raw, URL/JSON-escaped, base64 (3 offsets), Basic header. */
function forbiddenForms(secret: string): string[] {
  return [...secretVariants(secret), Buffer.from(`x-access-token:${secret}`).toString('base64')];
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (info?.isDirectory()) out.push(...filesUnder(path));
    else if (info?.isFile()) out.push(path);
  }
  return out;
}

function leaks(haystack: string | Buffer, secrets: string[]): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  return secrets.flatMap(forbiddenForms).filter((form) => text.includes(form));
}

beforeAll(async () => {
  repo = await createBareRepo({ name: 'app' });
  server = await startGitHttpServer({ projectRoot: repo.dir, token: TOKEN });
  root = mkdtempSync(join(tmpdir(), 'drover-token-'));
});
afterAll(async () => {
  await server.close();
  await repo.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('git token safety against an HTTP remote that requires it', () => {
  it('clones and pushes with the token, which appears nowhere it must not', async () => {
    const dataDir = join(root, 'data');
    const workDir = join(root, 'work');
    const shimDir = join(root, 'shim');
    mkdirSync(shimDir, { recursive: true });
    // A git on PATH that records the argv of every git process Drover starts, then runs the real one.
    writeFileSync(
      join(shimDir, 'git'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(root, 'git-argv.log')}"\nexec /usr/bin/git "$@"\n`,
    );
    chmodSync(join(shimDir, 'git'), 0o755);

    const agent = [
      // The agent may read outside the workspace but (sandboxed) only writes inside it.
      'env > agent-env.txt',
      'echo AGENT-READY',
      // The sandbox gives the agent a private /tmp: the test signals it through the workspace.
      'i=0; while [ ! -e go.signal ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; rm -f go.signal',
      // Secrets the agent can see (passed on deliberately) must be masked in every form, even split across writes.
      'echo "raw $EXTRA_SECRET"',
      'printf "%s" "$EXTRA_SECRET" | base64',
      'printf "xx%s" "$EXTRA_SECRET" | base64',
      'node -e "console.log(encodeURIComponent(process.env.EXTRA_SECRET)); console.log(JSON.stringify({k: process.env.EXTRA_SECRET}))"',
      'half=$(printf "%s" "$EXTRA_SECRET" | cut -c1-10); rest=$(printf "%s" "$EXTRA_SECRET" | cut -c11-)',
      'printf "split %s" "$half"; sleep 0.3; printf "%s end\\n" "$rest"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
      'echo "token in agent env: ${DROVER_GIT_TOKEN:-absent}"',
      'echo change > change.txt',
    ].join('\n');
    const run = spawnDrover(
      [
        'run',
        '--repo',
        `${server.url}/app.git`,
        '--prompt',
        'secret handling',
        '--agent',
        'command',
        '--agent-cmd',
        agent,
        '--json',
        '--data-dir',
        dataDir,
      ],
      {
        env: {
          PATH: `${shimDir}:${process.env.PATH}`,
          DROVER_GIT_TOKEN: TOKEN,
          DROVER_WORK_DIR: workDir,
          DROVER_MASK_ENV: 'EXTRA_SECRET',
          DROVER_AGENT_ENV: 'EXTRA_SECRET,DROVER_GIT_TOKEN,GIT_CONFIG_COUNT',
          EXTRA_SECRET: EXTRA,
        },
      },
    );
    let live = '';
    run.child.stderr!.on('data', (d: Buffer) => (live += d.toString()));

    // While the agent runs: the workspace (including .git/config) and every process's argv are clean.
    await waitFor(() => live.includes('AGENT-READY'), 60_000, 'the agent to start');
    const workspaceFiles = filesUnder(workDir);
    expect(workspaceFiles.some((f) => f.endsWith('.git/config'))).toBe(true);
    for (const file of workspaceFiles) expect(leaks(readFileSync(file), [TOKEN]), file).toEqual([]);
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        expect(leaks(readFileSync(`/proc/${pid}/cmdline`), [TOKEN])).toEqual([]);
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code !== 'ENOENT' &&
          (err as NodeJS.ErrnoException).code !== 'ESRCH'
        )
          throw err;
      }
    }
    const envFile = workspaceFiles.find((f) => f.endsWith('/agent-env.txt'));
    expect(envFile).toBeDefined();
    const agentEnv = readFileSync(envFile!, 'utf8');
    expect(leaks(agentEnv, [TOKEN])).toEqual([]);
    expect(agentEnv).not.toMatch(/^GIT_CONFIG_/m);
    // Only what the command agent itself hands over (prompt, job id, role...), none of the runner's settings.
    const droverVars = [...agentEnv.matchAll(/^(DROVER_[A-Z_]+)=/gm)].map((m) => m[1]);
    expect(
      droverVars.filter(
        (v) => !['DROVER_PROMPT', 'DROVER_JOB_ID', 'DROVER_ROLE', 'DROVER_WORKSPACE'].includes(v!),
      ),
    ).toEqual([]);
    expect(agentEnv).toContain(`EXTRA_SECRET=${EXTRA}`);
    writeFileSync(join(envFile!, '..', 'go.signal'), '');

    const res = await run.done;
    expect(res.stderr).toContain('token in agent env: absent');
    const record = JSON.parse(res.stdout);
    expect(record.status).toBe('succeeded');
    expect(await readFileAtRef(repo.bareDir, record.branch, 'change.txt')).toBe('change\n');

    // The remote saw the token only as an Authorization header, on clone and push.
    const basic = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
    expect(server.requests.some((r) => r.path.endsWith('/git-upload-pack'))).toBe(true);
    expect(server.requests.some((r) => r.path.endsWith('/git-receive-pack'))).toBe(true);
    for (const r of server.requests) {
      expect(r.authorization).toBe(basic);
      expect(leaks(`${r.path}?${r.query}`, [TOKEN])).toEqual([]);
    }

    // Nothing Drover wrote or printed holds either secret in any form.
    expect(leaks(res.stdout + res.stderr, [TOKEN, EXTRA])).toEqual([]);
    expect(res.stderr).toContain('raw ***');
    expect(res.stderr).toContain('split *** end');
    expect(leaks(readFileSync(join(root, 'git-argv.log')), [TOKEN])).toEqual([]);
    for (const file of filesUnder(dataDir))
      expect(leaks(readFileSync(file), [TOKEN, EXTRA]), file).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('fails clone_failed with a clear message and no token when the token is wrong or missing', async () => {
    for (const token of ['wrong-token-value', undefined]) {
      const res = await spawnDrover(
        [
          'run',
          '--repo',
          `${server.url}/app.git`,
          '--prompt',
          'x',
          '--agent-cmd',
          'true',
          '--json',
          '--data-dir',
          join(root, 'd2'),
        ],
        { env: { DROVER_GIT_TOKEN: token, DROVER_WORK_DIR: join(root, 'w2') } },
      ).done;
      const record = JSON.parse(res.stdout);
      expect(record).toMatchObject({ status: 'failed', errorKind: 'clone_failed' });
      expect(record.errorMessage).toMatch(/Cloning .*app\.git failed/);
      expect(leaks(res.stdout + res.stderr, [TOKEN])).toEqual([]);
    }
  });
});

// Drover's own git steps (staging, commit, diff, reviewer put-back, push, cleanup) must never be
// turned against the host by what the agent, a setup step or a verify command leaves in the
// workspace: each row plants one hostile thing, then the host is checked untouched and the job either
// delivered a correct commit or failed with errorKind unsafe_workspace.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, createBareRepo, gitIn, listBranches, runGit } from '../support/gitRepos.js';
import { jobLog, logText } from '../support/jobLog.js';

const OLD = new Date('2021-03-04T05:06:07Z');

/** The remote of the row running now (each row gets a fresh one, so rows cannot affect each other). */
let repo: BareRepo;
let dir: string;
/** The host: files and a repository outside every workspace, which no job may read or change. */
let host: string;
let marker: string;
let secretBlob: string;
let hostCommit: string;
let baseline: Map<string, string>;
let atimeVisible = false;

function bwrapWorks(): boolean {
  try {
    execFileSync(
      'bwrap',
      ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', 'true'],
      {
        stdio: 'ignore',
        timeout: 15_000,
      },
    );
    return true;
  } catch {
    return false;
  }
}
const MODES = ['none', ...(bwrapWorks() ? ['workspace-write'] : [])] as const;

/** Every entry under the host dir: type, mode, size, mtime, content (and atime, where reads show). */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (path: string, rel: string) => {
    const info = lstatSync(path);
    const times = `${info.mtimeMs}${atimeVisible ? `/${info.atimeMs}` : ''}`;
    let content = '';
    if (info.isSymbolicLink()) content = readlinkSync(path);
    else if (info.isFile()) content = createHash('sha256').update(readFileSync(path)).digest('hex');
    out.set(
      rel || '.',
      `${info.mode.toString(8)} ${info.isDirectory() ? '-' : info.size} ${times} ${content}`,
    );
    if (info.isDirectory())
      for (const name of readdirSync(path).sort()) walk(join(path, name), `${rel}/${name}`);
  };
  walk(root, '');
  return out;
}

/** Old times everywhere (atime = mtime, so relatime records the next read). */
function age(root: string): void {
  const walk = (path: string) => {
    const info = lstatSync(path);
    if (info.isSymbolicLink()) return;
    if (info.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    utimesSync(path, OLD, OLD);
  };
  walk(root);
}

/** Whether reading a file moves its atime on this filesystem (relatime after an old mtime: yes). */
function probeAtime(): boolean {
  const probe = join(dir, 'atime-probe');
  writeFileSync(probe, 'x');
  utimesSync(probe, OLD, OLD);
  const before = lstatSync(probe).atimeMs;
  readFileSync(probe);
  return lstatSync(probe).atimeMs !== before;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-gitiso-'));
  host = mkdtempSync(join(tmpdir(), 'drover-host-'));
  marker = join(host, 'pwned');
  writeFileSync(join(host, 'canary.txt'), 'host canary\n');
  mkdirSync(join(host, 'dir'));
  writeFileSync(join(host, 'dir', 'inside.txt'), 'inside a host directory\n');
  // A host repository with a secret the agent may know the id of, but must never get pushed.
  const seed = join(dir, 'host-seed');
  await runGit(['init', '-q', '-b', 'main', seed]);
  writeFileSync(join(seed, 'secret.txt'), 'host secret\n');
  await gitIn(seed, 'add', '-A');
  await gitIn(seed, 'commit', '-qm', 'host');
  await runGit(['clone', '-q', '--bare', seed, join(host, 'host.git')]);
  secretBlob = await gitIn(seed, 'rev-parse', 'HEAD:secret.txt');
  hostCommit = await gitIn(seed, 'rev-parse', 'HEAD');
  writeFileSync(
    join(host, 'evil.config'),
    `[filter "evil"]\n\tclean = sh -c 'touch ${marker}; cat'\n\trequired = true\n[core]\n\tfsmonitor = touch ${marker}\n`,
  );
  atimeVisible = probeAtime();
  cpSync(host, pristine(), { recursive: true, verbatimSymlinks: true });
  age(host);
  baseline = snapshot(host);
  age(host);
});

const pristine = () => join(dir, 'host-pristine');

/** Puts the host back as it was after a row changed it, so every row is judged on its own. */
function restoreHost(): void {
  rmSync(host, { recursive: true, force: true });
  cpSync(pristine(), host, { recursive: true, verbatimSymlinks: true });
  age(host);
}
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(host, { recursive: true, force: true });
});

type Outcome = 'ok' | 'unsafe';
interface Row {
  name: string;
  /** Shell run as the agent (after it wrote change.txt); plants come after the agent's own git use. */
  plant: string;
  expect: Outcome;
  /** When the sandbox stops the plant itself (read-only .git/config, mounts inside .git). */
  sandboxed?: Outcome;
  message?: RegExp;
  args?: string[];
  /** More checks on a delivered branch. */
  check?: (branch: string, log: string) => Promise<void>;
}

const AS_AGENT = '-c user.name=Agent -c user.email=agent@example.com';
const COMMIT = `git add -A && git ${AS_AGENT} commit -qm "agent commit"`;
// {H} is the host dir, {M} the marker no planted command may create, {BLOB} a blob only the host
// repository has, {HOSTCOMMIT} its commit: filled in when the row runs.
const ROWS: Row[] = [
  { name: 'COMMIT_EDITMSG → host file', plant: `ln -sf {H}/canary.txt .git/COMMIT_EDITMSG`, expect: 'ok' },
  {
    name: 'logs/HEAD → host file',
    plant: `mkdir -p .git/logs && ln -sf {H}/canary.txt .git/logs/HEAD`,
    expect: 'ok',
  },
  { name: 'ORIG_HEAD → host file', plant: `ln -sf {H}/canary.txt .git/ORIG_HEAD`, expect: 'ok' },
  { name: 'index → host file', plant: `rm -f .git/index && ln -s {H}/canary.txt .git/index`, expect: 'ok' },
  { name: 'index is a FIFO', plant: 'rm -f .git/index && mkfifo .git/index', expect: 'ok' },
  {
    name: 'packed-refs → host file (the branch only in packed-refs)',
    plant: `${COMMIT} && git pack-refs --all && rm -f .git/packed-refs && ln -s {H}/canary.txt .git/packed-refs`,
    expect: 'unsafe',
    message: /\.git\/packed-refs is a symbolic link/,
  },
  {
    name: 'the branch ref → host file',
    plant: `${COMMIT} && ref=$(git symbolic-ref HEAD) && rm -f .git/$ref && ln -s {H}/canary.txt .git/$ref`,
    expect: 'unsafe',
    message: /\.git\/refs\/heads\/.* is a symbolic link/,
  },
  {
    name: 'HEAD → host file',
    plant: `rm -f .git/HEAD && ln -s {H}/canary.txt .git/HEAD`,
    expect: 'unsafe',
    message: /\.git\/HEAD is a symbolic link/,
  },
  {
    name: 'HEAD is a FIFO',
    plant: 'rm -f .git/HEAD && mkfifo .git/HEAD',
    expect: 'unsafe',
    message: /\.git\/HEAD is a FIFO/,
  },
  {
    name: 'objects → host directory',
    plant: `${COMMIT} && mv .git/objects .git/objects.moved && ln -s {H}/dir .git/objects`,
    expect: 'unsafe',
    message: /\.git\/objects is a symbolic link/,
  },
  {
    name: 'objects/pack → host directory',
    plant: `${COMMIT} && rm -rf .git/objects/pack && ln -s {H}/dir .git/objects/pack`,
    expect: 'unsafe',
    message: /\.git\/objects\/pack is a symbolic link/,
  },
  {
    name: 'the agent’s commit object → host file',
    plant: `${COMMIT} && c=$(git rev-parse HEAD) && f=.git/objects/$(echo $c | cut -c1-2)/$(echo $c | cut -c3-) && rm -f $f && ln -s {H}/canary.txt $f`,
    expect: 'unsafe',
    message: /\.git\/objects\/[0-9a-f]{2}\/[0-9a-f]{38} is a symbolic link/,
  },
  {
    name: 'a pack → host file',
    plant: `${COMMIT} && ln -s {H}/canary.txt .git/objects/pack/pack-${'0'.repeat(40)}.pack`,
    expect: 'unsafe',
    message: /pack-0{40}\.pack is a symbolic link/,
  },
  {
    name: 'a forged loose object (content of another object under the commit’s name)',
    plant: `${COMMIT} && c=$(git rev-parse HEAD) && t=$(git rev-parse HEAD^{tree}) && f=.git/objects/$(echo $c | cut -c1-2)/$(echo $c | cut -c3-) && rm -f $f && cp .git/objects/$(echo $t | cut -c1-2)/$(echo $t | cut -c3-) $f`,
    expect: 'unsafe',
    message: /is not a valid git object/,
  },
  {
    name: 'objects/info/alternates → host repository, and a commit of a host-only blob',
    // The alternates file comes last: the agent itself never reads the host (it could, without a sandbox).
    plant: `tree=$(printf '100644 blob %s\\tstolen.txt\\n' {BLOB} | git mktree --missing) && c=$(git ${AS_AGENT} commit-tree $tree -p HEAD -m steal) && git update-ref HEAD $c && echo {H}/host.git/objects > .git/objects/info/alternates`,
    expect: 'unsafe',
    message: /cannot be taken from the workspace: .*missing/,
  },
  {
    name: 'objects/info/alternates + core.alternateRefsCommand',
    plant: `echo {H}/host.git/objects > .git/objects/info/alternates; git config core.alternateRefsCommand "touch {M}"`,
    expect: 'ok',
  },
  {
    name: '.git/config core.hooksPath → hooks that touch a marker',
    plant: `mkdir -p ../hooks-x; for h in pre-commit commit-msg post-commit pre-push reference-transaction post-index-change post-checkout; do printf '#!/bin/sh\\ntouch {M}\\n' > ../hooks-x/$h; chmod +x ../hooks-x/$h; done; git config core.hooksPath "$(cd ../hooks-x && pwd)"`,
    expect: 'ok',
  },
  { name: '.git/config core.fsmonitor', plant: `git config core.fsmonitor "touch {M}; false"`, expect: 'ok' },
  {
    name: '.git/config include.path → a host config defining a filter',
    plant: `echo '* filter=evil' > .gitattributes; git config include.path {H}/evil.config`,
    expect: 'ok',
  },
  {
    name: 'filter.x.clean + .gitattributes',
    plant: `echo '* filter=x' > .gitattributes; git config filter.x.clean "sh -c 'touch {M}; cat'"; git config filter.x.required true`,
    expect: 'ok',
  },
  {
    name: 'diff.x.textconv / diff.x.command + .gitattributes',
    plant: `echo '* diff=x' > .gitattributes; git config diff.x.textconv "sh -c 'touch {M}'"; git config diff.x.command "touch {M}"; git config diff.external "touch {M}"`,
    expect: 'ok',
  },
  {
    name: '.git replaced by a gitfile → host repository',
    plant: `mv .git ../dotgit-moved && echo "gitdir: {H}/host.git" > .git`,
    expect: 'unsafe',
    sandboxed: 'ok', // .git holds read-only mounts: it cannot be moved away
    message: /\.git is a regular file, not a directory/,
  },
  {
    name: '.git replaced by a link → host repository',
    plant: `mv .git ../dotgit-moved && ln -s {H}/host.git .git`,
    expect: 'unsafe',
    sandboxed: 'ok',
    message: /\.git is a symbolic link, not a directory/,
  },
  {
    name: 'a FIFO in place of a tracked file',
    plant: 'rm README.md && mkfifo README.md',
    expect: 'ok',
    check: async (branch, log) => {
      expect(await gitIn(repo.bareDir, 'show', `${branch}:README.md`)).toContain('Fixture project');
      expect(log).toContain('Not committed: README.md (a FIFO');
    },
  },
  {
    name: '.gitignore is a FIFO',
    plant: 'mkfifo .gitignore',
    expect: 'unsafe',
    message: /\.gitignore is a FIFO; git reads that file/,
  },
  {
    name: 'a work-tree link → host file (committed as a link)',
    plant: `ln -s {H}/canary.txt leak.txt && rm -rf src && ln -s {H}/dir src`,
    expect: 'ok',
    check: async (branch) => {
      const tree = await gitIn(repo.bareDir, 'ls-tree', branch, 'leak.txt', 'src');
      expect(tree).toMatch(/^120000 blob \S+\tleak\.txt$/m);
      expect(tree).toMatch(/^120000 blob \S+\tsrc$/m);
      expect(await gitIn(repo.bareDir, 'show', `${branch}:leak.txt`)).toBe(`${host}/canary.txt`);
    },
  },
  {
    name: 'a nested repository, a nested .git link and a nested gitfile → host repository',
    plant: `mkdir -p vendor/lib && (cd vendor/lib && git init -q && echo x > x && ${COMMIT}); mkdir -p vendor/evil && ln -s {H}/host.git vendor/evil/.git && echo x > vendor/evil/file; mkdir -p src/evil2 && echo "gitdir: {H}/host.git" > src/evil2/.git`,
    expect: 'ok',
    check: async (branch, log) => {
      expect(await gitIn(repo.bareDir, 'ls-tree', '-r', '--name-only', branch)).not.toMatch(/vendor|evil/);
      expect(log).toContain('Not committed: vendor/evil (a nested git repository');
      expect(log).toContain('Not committed: src/evil2 (a nested git repository');
    },
  },
  {
    name: 'a committed submodule entry whose .git → host repository',
    plant: `git add -A && git update-index --add --cacheinfo 160000,{HOSTCOMMIT},sub && git ${AS_AGENT} commit -qm 'agent commit' && echo more > more.txt && mkdir -p sub && ln -s {H}/host.git sub/.git`,
    expect: 'ok',
    check: async (branch) => {
      expect(await gitIn(repo.bareDir, 'ls-tree', branch, 'sub')).toBe(`160000 commit ${hostCommit}\tsub`);
    },
  },
  { name: '.gitmodules → host file', plant: `ln -s {H}/canary.txt .gitmodules`, expect: 'ok' },
  {
    name: 'no .git left at all (the work tree is still committed)',
    plant: 'rm -rf .git',
    expect: 'ok',
  },
  {
    name: 'the agent’s commits repacked by git gc (kept, via a verified pack)',
    plant: `${COMMIT} && git gc -q && echo more > more.txt && ln -sf {H}/canary.txt .git/COMMIT_EDITMSG`,
    expect: 'ok',
    check: async (branch) => {
      expect(await gitIn(repo.bareDir, 'log', '--format=%s', branch)).toMatch(/^agent commit$/m);
    },
  },
  {
    name: 'planted by a verify command',
    plant: 'true',
    args: [
      '--verify',
      `ln -sf {H}/canary.txt .git/COMMIT_EDITMSG; mkdir -p .git/logs; ln -sf {H}/canary.txt .git/logs/HEAD; mkfifo .git/index.lock; true`,
    ],
    expect: 'ok',
  },
  {
    name: 'planted by the reviewer, whose changes are put back',
    plant: 'true',
    args: [
      '--review',
      '--review-cmd',
      `rm -rf src; ln -s {H}/dir src; echo tampered > change.txt; mkdir -p v && ln -s {H}/host.git v/.git; echo "REVIEW: PASS"`,
    ],
    expect: 'ok',
    check: async (branch) => {
      expect(await gitIn(repo.bareDir, 'ls-tree', branch, 'src')).toMatch(/^040000 tree/);
    },
  },
];

function fill(text: string): string {
  return text
    .replaceAll('{H}', host)
    .replaceAll('{M}', marker)
    .replaceAll('{BLOB}', secretBlob)
    .replaceAll('{HOSTCOMMIT}', hostCommit);
}

describe.each(MODES)('sandbox %s', (mode) => {
  it.each(ROWS)(
    '$name',
    async (row) => {
      const expected = mode === 'none' ? row.expect : (row.sandboxed ?? row.expect);
      repo = await createBareRepo();
      try {
        await runRow(row, mode, expected);
      } finally {
        await repo.cleanup();
      }
    },
    120_000,
  );
});

async function runRow(row: Row, mode: string, expected: Outcome): Promise<void> {
  const res = await runDrover(
    [
      'run',
      '--repo',
      repo.bareDir,
      '--data-dir',
      join(dir, 'data'),
      '--prompt',
      `plant: ${row.name}`,
      '--agent-cmd',
      `echo change > change.txt; ${fill(row.plant)}; true`,
      '--sandbox',
      mode,
      '--json',
      ...(row.args ?? []).map(fill),
    ],
    { env: { DROVER_WORK_DIR: join(dir, 'work') }, timeoutMs: 90_000 },
  );
  const ran = existsSync(marker);
  const now = snapshot(host);
  // Before asserting, so one failing row does not fail the next.
  if (ran || !isDeepStrictEqual(now, baseline)) restoreHost();
  else age(host);
  expect(ran, 'a planted command ran').toBe(false);
  expect(now).toEqual(baseline);

  expect(res.stdout, `${res.stderr}`).not.toBe('');
  const job = JSON.parse(res.stdout);
  const log = logText(await jobLog(job.id, join(dir, 'data')));

  if (expected === 'ok') {
    expect(job, log).toMatchObject({ status: 'succeeded', errorKind: null });
    const tree = await gitIn(repo.bareDir, 'ls-tree', '-r', job.branch);
    expect(tree).not.toContain(secretBlob);
    expect(await gitIn(repo.bareDir, 'show', `${job.branch}:change.txt`)).toBe('change');
    expect(await gitIn(repo.bareDir, 'log', '-1', '--format=%B', job.branch)).toContain(
      `Drover-Job: ${job.id}`,
    );
    await row.check?.(job.branch, log);
  } else {
    expect(job, log).toMatchObject({ status: 'failed', errorKind: 'unsafe_workspace' });
    expect(job.errorMessage).toMatch(row.message!);
    expect(await listBranches(repo.bareDir)).not.toContain(job.branch);
  }
  const secret = await runGit(['cat-file', '-e', secretBlob], { cwd: repo.bareDir, allowFailure: true });
  expect(secret.exitCode, 'the host-only blob reached the remote').not.toBe(0);
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BareRepo, createBareRepo, gitIn, hermeticGitEnv, runGit } from '../../test/support/gitRepos.js';
import { UnsafeWorkspaceError } from '../errors.js';
import { Masker } from '../secrets/Masker.js';
import { createRunnerRepo } from './createRunnerRepo.js';
import { Git } from './Git.js';
import type { RunnerRepo } from './RunnerRepo.js';
import { cleanMessage, commitChanges } from './repoOps.js';
import { scanWorkTree } from './scanWorkTree.js';
import { syncAgentHead } from './syncAgentHead.js';

let remote: BareRepo;
let root: string;
let n = 0;
const git = new Git(new Masker([]), hermeticGitEnv());
const AGENT = ['-c', 'user.name=Agent', '-c', 'user.email=agent@example.com'];

beforeAll(async () => {
  remote = await createBareRepo();
  root = mkdtempSync(join(tmpdir(), 'drover-runner-repo-'));
});
afterAll(async () => {
  await remote.cleanup();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh job: the clone (the agent's workspace) and the runner-owned repository made from it. */
async function job(): Promise<{ work: string; repo: RunnerRepo }> {
  const jobRoot = join(root, `job-${++n}`);
  const work = join(jobRoot, 'repo');
  await runGit(['clone', '-q', remote.bareDir, work]);
  await gitIn(work, 'checkout', '-q', '-b', 'drover/test');
  const [startSha = '', startTree = ''] = (await gitIn(work, 'rev-parse', 'HEAD', 'HEAD^{tree}')).split('\n');
  const repo = await createRunnerRepo(git, {
    gitDir: join(jobRoot, 'git'),
    workTree: work,
    startSha,
    startTree,
  });
  return { work, repo };
}

const commit = (work: string, message = 'agent commit') =>
  runGit([...AGENT, 'commit', '-qam', message], { cwd: work });

const commitOpts = (repo: RunnerRepo, report: string[] = []) => ({
  message: 'drover: task\n\n\nbody  \n\nDrover-Job: j1\n\n',
  authorName: 'Drover',
  authorEmail: 'drover@example.com',
  baseSha: repo.startSha,
  report: (line: string) => report.push(line),
});

describe('runner-owned repository', () => {
  it('commits the work tree on the start without touching the workspace’s .git', async () => {
    const { work, repo } = await job();
    writeFileSync(join(work, 'new.txt'), 'new\n');
    const indexBefore = readFileSync(join(work, '.git', 'index'));
    const result = await commitChanges(repo, commitOpts(repo));
    expect(result).toMatchObject({ changed: true, committed: true, filesChanged: 1 });
    expect(await gitIn(work, 'rev-parse', 'HEAD')).toBe(repo.startSha);
    expect(readFileSync(join(work, '.git', 'index'))).toEqual(indexBefore);
    const message = (await repo.run(['log', '-1', '--format=%B', result.commit])).stdout;
    expect(message).toBe('drover: task\n\nbody\n\nDrover-Job: j1\n');
  });

  it('keeps the agent’s commits, also when its branch is only in packed-refs or repacked by gc', async () => {
    const { work, repo } = await job();
    writeFileSync(join(work, 'README.md'), 'changed by the agent\n');
    await commit(work);
    const agentHead = await gitIn(work, 'rev-parse', 'HEAD');
    await gitIn(work, 'gc', '-q');
    await gitIn(work, 'pack-refs', '--all');
    const result = await commitChanges(repo, commitOpts(repo));
    expect(result).toMatchObject({ commit: agentHead, changed: true, committed: false, filesChanged: 1 });
    expect(await repo.out(['cat-file', '-t', agentHead])).toBe('commit');
  });

  it('keeps a file the agent force-added and committed although it is ignored', async () => {
    const { work, repo } = await job();
    writeFileSync(join(work, '.gitignore'), 'dist/\n');
    mkdirSync(join(work, 'dist'));
    writeFileSync(join(work, 'dist', 'out.js'), 'built\n');
    await runGit(['add', '-f', '.gitignore', 'dist/out.js'], { cwd: work });
    await commit(work);
    writeFileSync(join(work, 'dist', 'out.js'), 'rebuilt\n');
    const result = await commitChanges(repo, commitOpts(repo));
    expect(result.committed).toBe(true);
    expect((await repo.run(['show', `${result.commit}:dist/out.js`])).stdout).toBe('rebuilt');
  });

  it('takes nothing from a .git without commits, or no .git at all', async () => {
    const { work, repo } = await job();
    rmSync(join(work, '.git'), { recursive: true, force: true });
    writeFileSync(join(work, 'new.txt'), 'new\n');
    expect(await syncAgentHead(repo)).toBe(repo.startSha);
    const result = await commitChanges(repo, commitOpts(repo));
    expect(result).toMatchObject({ changed: true, committed: true });
  });

  it('leaves nested repositories and FIFOs out of the commit, whatever bytes their names are', async () => {
    const { work, repo } = await job();
    const hostRepo = join(root, `host-${n}.git`);
    await runGit(['init', '-q', '--bare', hostRepo]);
    execFileSync(
      'sh',
      ['-c', `mkdir "$(printf 'f\\377')" && ln -s ${hostRepo} "$(printf 'f\\377')/.git" && mkfifo pipe`],
      {
        cwd: work,
      },
    );
    writeFileSync(join(work, 'new.txt'), 'new\n');
    const report: string[] = [];
    const result = await commitChanges(repo, commitOpts(repo, report));
    const files = (
      await repo.run(['ls-tree', '-r', '--name-only', '-z', result.commit], { stdoutEncoding: 'latin1' })
    ).stdout;
    expect(files.split('\0').filter(Boolean).sort()).toEqual([
      'README.md',
      'check.sh',
      'new.txt',
      'src/greet.mjs',
    ]);
    expect(report).toEqual([
      expect.stringMatching(/^Not committed: pipe \(a FIFO/),
      expect.stringMatching(/^Not committed: f\uFFFD \(a nested git repository/),
    ]);
  });

  it.each([
    [
      'a HEAD that is a link',
      (w: string) => {
        rmSync(join(w, '.git', 'HEAD'));
        symlinkSync('/etc/hostname', join(w, '.git', 'HEAD'));
      },
      /\.git\/HEAD is a symbolic link/,
    ],
    [
      'a refs directory that is a link',
      (w: string) => {
        rmSync(join(w, '.git', 'refs', 'heads'), { recursive: true });
        symlinkSync('/etc', join(w, '.git', 'refs', 'heads'));
      },
      /\.git\/refs\/heads is a symbolic link, not a directory/,
    ],
    [
      'a HEAD naming a ref outside refs/',
      (w: string) => {
        writeFileSync(join(w, '.git', 'HEAD'), 'ref: ../../../etc/passwd\n');
      },
      /must start with refs\//,
    ],
    [
      'a HEAD naming a ref with ".."',
      (w: string) => {
        writeFileSync(join(w, '.git', 'HEAD'), 'ref: refs/../../x\n');
      },
      /must not contain/,
    ],
    [
      'a HEAD that is not a commit id',
      (w: string) => {
        writeFileSync(join(w, '.git', 'HEAD'), 'not a sha\n');
      },
      /does not hold a commit id/,
    ],
  ])('refuses %s', async (_name, plant, message) => {
    const { work, repo } = await job();
    plant(work);
    const err = await syncAgentHead(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeWorkspaceError);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a commit whose objects are incomplete (a blob only an alternate has)', async () => {
    const { work, repo } = await job();
    const blob = (
      await runGit(['hash-object', '--stdin'], { cwd: work, input: 'elsewhere\n' })
    ).stdout.trim();
    const tree = (
      await runGit(['mktree', '--missing'], { cwd: work, input: `100644 blob ${blob}\tx.txt\n` })
    ).stdout.trim();
    const c = (
      await runGit([...AGENT, 'commit-tree', tree, '-p', 'HEAD', '-m', 'x'], { cwd: work })
    ).stdout.trim();
    await gitIn(work, 'update-ref', 'HEAD', c);
    await expect(syncAgentHead(repo)).rejects.toThrow(/cannot be taken from the workspace: .*missing blob/);
  });

  it('refuses a loose object whose content does not match its name', async () => {
    const { work, repo } = await job();
    writeFileSync(join(work, 'README.md'), 'changed\n');
    await commit(work);
    const head = await gitIn(work, 'rev-parse', 'HEAD');
    const tree = await gitIn(work, 'rev-parse', 'HEAD^{tree}');
    const path = (oid: string) => join(work, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
    rmSync(path(head), { force: true });
    writeFileSync(path(head), readFileSync(path(tree)));
    await expect(syncAgentHead(repo)).rejects.toThrow(
      /is not a valid git object \(its content does not match/,
    );
  });
});

describe('scanWorkTree', () => {
  it('finds nested repositories, special files and .git look-alikes, byte-exact, without following links', async () => {
    const dir = mkdtempSync(join(root, 'scan-'));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'x'), '');
    mkdirSync(join(dir, 'a', 'nested', '.git'), { recursive: true });
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'b', '.git'), 'gitdir: /elsewhere\n');
    symlinkSync('/', join(dir, 'root-link')); // never walked
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    mkdirSync(join(dir, '.GIT'));
    const raw = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x66, 0xff])]); // "f\xff": not UTF-8
    mkdirSync(raw);
    execFileSync('sh', ['-c', 'mkfifo "$(printf \'f\\377\')/p"'], { cwd: dir });
    const scan = await scanWorkTree(dir);
    expect(scan.nested.sort()).toEqual(['a/nested', 'b']);
    expect(scan.skipped.map((s) => s.path).sort()).toEqual(['.GIT', 'f\xff/p', 'pipe'].sort());
    expect(scan.skipped.find((s) => s.path === 'pipe')?.why).toMatch(/^a FIFO/);
  });

  it('refuses a FIFO named .gitignore (git would wait on it forever)', async () => {
    const dir = mkdtempSync(join(root, 'scan-'));
    mkdirSync(join(dir, 'sub'));
    execFileSync('mkfifo', [join(dir, 'sub', '.gitignore')]);
    await expect(scanWorkTree(dir)).rejects.toThrow(/sub\/\.gitignore is a FIFO/);
  });
});

describe('cleanMessage', () => {
  it('does what git commit does to a message given with --file', () => {
    expect(cleanMessage('\n\nsubject  \n\n\n\nbody\t\n\n')).toBe('subject\n\nbody\n');
  });
});

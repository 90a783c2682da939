import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitError } from '../errors.js';
import { lastLines } from './Git.js';
import type { RunnerRepo } from './RunnerRepo.js';
import { readSmallRegular } from './safeFs.js';
import { displayPath, type SkippedPath, scanWorkTree } from './scanWorkTree.js';

const MAX_REPORTED = 20;
const MAX_EXCLUDE_BYTES = 1024 * 1024;

/**
 * Stages the whole work tree into the runner-owned index and returns its tree id. git sees the
 * workspace only as a work tree (GIT_DIR is Drover's): symbolic links are committed as links, never
 * followed; what scanWorkTree finds that git must not touch (nested repositories, FIFOs, sockets,
 * devices) is excluded by literal pathspec and reported once.
 */
export async function stageWorkTree(repo: RunnerRepo, report: (line: string) => void): Promise<string> {
  await syncInfoExclude(repo);
  const scan = await scanWorkTree(repo.workTree);
  const left: SkippedPath[] = [...scan.skipped];
  if (scan.nested.length > 0) {
    // A directory with tracked files is walked by git without looking at its .git; any other would be
    // taken for a repository to record, and git would read wherever its .git leads.
    const tracked = await trackedDirs(repo);
    for (const dir of scan.nested) {
      if (!tracked.has(dir))
        left.push({ path: dir, why: 'a nested git repository, which Drover does not read' });
    }
  }
  reportOnce(repo, left, report);
  const excludes = left.map((s) => `:(exclude,literal,top)${s.path}\0`).join('');
  const res = await repo.run(
    excludes ? ['add', '--all', '--pathspec-from-file=-', '--pathspec-file-nul'] : ['add', '--all'],
    { workTree: true, allowFailure: true, ...(excludes ? { input: Buffer.from(excludes, 'latin1') } : {}) },
  );
  if (res.exitCode !== 0) throw new GitError(`Staging the workspace failed: ${lastLines(res.stderr)}`);
  return repo.out(['write-tree']);
}

/** Every directory that holds a tracked path (latin1, see scanWorkTree). */
async function trackedDirs(repo: RunnerRepo): Promise<Set<string>> {
  const out = (await repo.run(['ls-files', '-z'], { stdoutEncoding: 'latin1' })).stdout;
  const dirs = new Set<string>();
  for (const path of out.split('\0')) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const dir = path.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return dirs;
}

/**
 * The agent's `.git/info/exclude` patterns still apply (git would have honoured them in the
 * workspace), read as a bounded regular file only; anything else counts as no patterns.
 */
async function syncInfoExclude(repo: RunnerRepo): Promise<void> {
  const text = await readSmallRegular(repo.workTree, '.git/info/exclude', MAX_EXCLUDE_BYTES).catch(
    () => undefined,
  );
  await writeFile(join(repo.gitDir, 'info', 'exclude'), text ?? '');
}

function reportOnce(repo: RunnerRepo, left: SkippedPath[], report: (line: string) => void): void {
  const fresh = left.filter((s) => !repo.reported.has(s.path));
  for (const s of fresh) repo.reported.add(s.path);
  for (const s of fresh.slice(0, MAX_REPORTED)) report(`Not committed: ${displayPath(s.path)} (${s.why})`);
  if (fresh.length > MAX_REPORTED) report(`Not committed: ${fresh.length - MAX_REPORTED} more such paths`);
}

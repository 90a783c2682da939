import { constants } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shortId } from '../jobs/ids.js';
import { currentOwner, formatOwnerTag } from './workspaceOwner.js';

/**
 * A job's private directory tree: `repo/` (the checkout the agent works in), `state/` (agent config,
 * settings, HOME), `tmp/`, and `git/` (the runner-owned repository, never visible in the sandbox).
 * Removed on every path out of the pipeline.
 */
export class Workspace {
  readonly repoDir: string;
  readonly stateDir: string;
  readonly homeDir: string;
  readonly tmpDir: string;
  readonly gitDir: string;

  private constructor(readonly root: string) {
    this.gitDir = join(root, 'git');
    this.repoDir = join(root, 'repo');
    this.stateDir = join(root, 'state');
    this.homeDir = join(root, 'state', 'home');
    this.tmpDir = join(root, 'tmp');
  }

  static async create(jobId: string, workRoot = defaultWorkRoot()): Promise<Workspace> {
    await mkdir(workRoot, { recursive: true, mode: 0o700 });
    // The owner goes into the name, so a workspace never exists without it (see sweepWorkspaces).
    const tag = formatOwnerTag(currentOwner());
    const ws = new Workspace(await mkdtemp(join(workRoot, `drover-${shortId(jobId)}-${tag}-`)));
    await Promise.all([
      mkdir(ws.homeDir, { recursive: true, mode: 0o700 }),
      mkdir(ws.tmpDir, { recursive: true, mode: 0o700 }),
    ]);
    return ws;
  }

  async remove(): Promise<void> {
    await removeTree(this.root);
  }
}

export function defaultWorkRoot(): string {
  return process.env.DROVER_WORK_DIR || join(tmpdir(), 'drover-work');
}

/**
 * rm -rf that also copes with read-only directories (module caches agents create). Links are removed,
 * never followed (fs.rm uses lstat), and so is the chmod below.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    await makeWritable(path);
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** chmod u+rwx on every real directory of the tree; symlinks are never followed. */
const DIR_NOFOLLOW = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

async function makeWritable(path: string): Promise<void> {
  // Opened without following a link, then changed through the descriptor: a link the agent put in
  // place of a directory cannot turn this chmod onto a host directory.
  const dir = await open(path, DIR_NOFOLLOW).catch((err: NodeJS.ErrnoException) => err.code);
  if (dir === 'EACCES') {
    // No read permission to open it by: lstat says whether it is a real directory.
    if (!(await lstat(path).catch(() => undefined))?.isDirectory()) return;
    await chmod(path, 0o700).catch(() => {});
  } else if (typeof dir === 'string' || dir === undefined) {
    return;
  } else {
    await dir.chmod(0o700).catch(() => {});
    await dir.close();
  }
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) await makeWritable(join(path, entry.name));
  }
}

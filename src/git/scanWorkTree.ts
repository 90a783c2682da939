import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { UnsafeWorkspaceError } from '../errors.js';

// File names are handled as latin1 strings (one character per byte), so a name that is not valid
// UTF-8 still matches itself exactly when it goes back to the filesystem or to git as a pathspec.

export interface SkippedPath {
  /** Relative to the work tree, latin1 (see above). */
  path: string;
  why: string;
}

export interface WorkTreeScan {
  /** Directories with a nested `.git` (directory, file or link) of their own. */
  nested: string[];
  /** What git must not be given: FIFOs, sockets, devices, `.git` look-alikes, unreadable directories. */
  skipped: SkippedPath[];
}

/** Files git opens while staging whatever the pathspec says: a FIFO there would make it wait forever. */
const READ_BY_GIT = new Set(['.gitignore', '.gitattributes', '.gitmodules']);
const MAX_ENTRIES = 10_000_000;
const CONCURRENCY = 16;

/**
 * Walks the whole work tree with readdir's own file types (lstat: no link is followed) before git
 * does, for what git would otherwise follow or block on: a nested repository makes `git add` read its
 * `.git` (which may point anywhere on the host); a FIFO named .gitignore/.gitattributes would hang
 * it. The workspace's own `.git` is not entered.
 */
export async function scanWorkTree(root: string): Promise<WorkTreeScan> {
  const scan: WorkTreeScan = { nested: [], skipped: [] };
  const rootBytes = Buffer.from(`${root}/`);
  const queue: string[] = [''];
  const active = new Set<Promise<void>>();
  let entries = 0;
  let failure: unknown;

  const visit = async (dir: string): Promise<void> => {
    let list: Dirent<Buffer>[];
    try {
      const path = dir ? Buffer.concat([rootBytes, Buffer.from(dir, 'latin1')]) : Buffer.from(root);
      list = await readdir(path, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // removed meanwhile
      if (!dir) throw err;
      scan.skipped.push({ path: dir, why: `a directory Drover cannot read (${code})` });
      return;
    }
    for (const entry of list) {
      if (++entries > MAX_ENTRIES) {
        throw new UnsafeWorkspaceError(`The workspace holds more than ${MAX_ENTRIES} files and directories.`);
      }
      const name = entry.name.toString('latin1');
      const path = dir ? `${dir}/${name}` : name;
      if (name === '.git') {
        if (dir) scan.nested.push(dir);
      } else if (name.length === 4 && name.toLowerCase() === '.git') {
        scan.skipped.push({ path, why: 'named like .git, which git refuses to commit' });
      } else if (entry.isDirectory()) {
        queue.push(path);
      } else if (entry.isSymbolicLink()) {
        if (name === '.gitmodules')
          scan.skipped.push({ path, why: 'a symbolic link, which git refuses there' });
      } else if (!entry.isFile()) {
        const kind = entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : 'a device or special file';
        if (READ_BY_GIT.has(name)) {
          throw new UnsafeWorkspaceError(
            `${displayPath(path)} is ${kind}; git reads that file while staging, so Drover refuses to stage the workspace.`,
          );
        }
        scan.skipped.push({
          path,
          why: `${kind}; only regular files, symbolic links and directories are committed`,
        });
      }
    }
  };

  while ((queue.length > 0 || active.size > 0) && failure === undefined) {
    while (queue.length > 0 && active.size < CONCURRENCY) {
      const task: Promise<void> = visit(queue.pop()!)
        .catch((err) => {
          failure ??= err;
        })
        .finally(() => active.delete(task));
      active.add(task);
    }
    await Promise.race(active);
  }
  await Promise.all(active);
  if (failure !== undefined) throw failure;
  return scan;
}

/** A latin1 path (see above) as the user would write it. */
export function displayPath(path: string): string {
  return Buffer.from(path, 'latin1').toString('utf8');
}

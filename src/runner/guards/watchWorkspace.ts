import { constants, type Dirent, existsSync, type FSWatcher, watch } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Trees that churn on their own (package installs, caches) or belong to git: not agent activity. */
const SKIP = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', '.cache', 'target', '.gradle']);

export interface WorkspaceWatch {
  /** Directories watched (at most maxDirs). */
  readonly watched: number;
  close(): void;
}

/**
 * Calls onActivity when files change anywhere in the workspace, so an agent that edits files without
 * printing (a long silent write, a build it started) is not taken for idle. One inotify watch per
 * directory (not per file, unlike fs.watch's recursive mode on Node 20), bounded by maxDirs, skipping
 * .git and dependency trees; directories created later are added as they appear.
 */
export async function watchWorkspace(
  root: string,
  onActivity: () => void,
  opts: { maxDirs?: number } = {},
): Promise<WorkspaceWatch> {
  const maxDirs = opts.maxDirs ?? 2000;
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  // `at`: where to watch it (the opened directory itself), `dir`: its name in the workspace.
  const add = (dir: string, at: string) => {
    if (closed || watchers.has(dir) || watchers.size >= maxDirs) return;
    try {
      const w = watch(at, { persistent: false }, (event, name) => {
        onActivity();
        // 'rename' = created or removed: a new directory gets its own watch.
        if (event === 'rename' && name && !SKIP.has(String(name))) void addTree(join(dir, String(name)));
      });
      w.on('error', () => {
        w.close();
        watchers.delete(dir);
      });
      watchers.set(dir, w);
    } catch {
      // Vanished or not a directory.
    }
  };
  const addTree = async (dir: string) => {
    // A name from an event may be a link the agent just made: never walk (or watch) through one.
    if (!(await lstat(dir).catch(() => undefined))?.isDirectory()) return;
    const queue = [dir];
    while (queue.length > 0 && watchers.size < maxDirs && !closed) {
      const current = queue.shift()!;
      const entries = await withDirectory(current, (at, list) => {
        add(current, at);
        return list;
      });
      if (!entries) continue; // a file, a link, or gone
      for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name)) queue.push(join(current, e.name));
    }
  };
  await addTree(root);
  return {
    get watched() {
      return watchers.size;
    },
    close() {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

const PROC_FD = existsSync('/proc/self/fd');

/**
 * Lists a directory the agent may swap for a link at any moment: it is opened without following a
 * link, then listed (and watched) through its descriptor, so a link made after the check can never
 * turn the listing onto a host directory. Undefined for a link, a file or a path that is gone.
 */
async function withDirectory(
  path: string,
  use: (at: string, entries: Dirent[]) => Dirent[],
): Promise<Dirent[] | undefined> {
  if (!PROC_FD) {
    if (!(await lstat(path).catch(() => undefined))?.isDirectory()) return undefined;
    const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
    return entries && use(path, entries);
  }
  const dir = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch(
    () => undefined,
  );
  if (!dir) return undefined;
  try {
    const at = `/proc/self/fd/${dir.fd}`;
    const entries = await readdir(at, { withFileTypes: true }).catch(() => undefined);
    return entries && use(at, entries);
  } finally {
    await dir.close();
  }
}

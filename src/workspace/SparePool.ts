import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from './Workspace.js';

/** What a spare is: a workspace of this base branch at this commit, cloned by default branch or by name. */
export interface SpareKind {
  base: string;
  sha: string;
  /** Cloned without a base ref (the remote's default branch): it also has origin/HEAD. */
  byDefault: boolean;
}

/** Unfinished (tmp-) or half-removed (gone-) spares this old belong to a process that died meanwhile. */
const ABANDONED_MS = 3_600_000;

/**
 * Ready-made workspaces, one per repo and base, kept under the work root (same filesystem as the
 * workspaces, so taking one is a rename: O(1) whatever the repo's size). Drover makes them in the
 * background exactly as it prepares a workspace from the mirror; no agent ever ran in one. A spare is
 * only used when its commit is the base's tip just fetched; taking it is atomic across processes.
 */
export class SparePool {
  constructor(private readonly root: string) {}

  private dirOf(key: string): string {
    return join(this.root, key);
  }

  private static name(kind: SpareKind): string {
    const base = createHash('sha256').update(kind.base).digest('hex').slice(0, 12);
    return `ready-${base}-${kind.sha}-${kind.byDefault ? 'd' : 'n'}`;
  }

  /** Moves a matching spare to `dir` (which must not exist); false when there is none. Drops stale ones. */
  async take(key: string, kind: SpareKind, dir: string): Promise<boolean> {
    const wanted = SparePool.name(kind);
    const prefix = wanted.slice(0, 'ready-'.length + 13);
    for (const name of await this.names(key)) {
      if (name === wanted) {
        try {
          await rename(join(this.dirOf(key), name), dir);
          return true;
        } catch {
          return false; // another job took it first
        }
      }
      // Same base, another commit: the base moved on since it was made.
      if (name.startsWith(prefix)) await this.discard(key, name);
    }
    return false;
  }

  async has(key: string, kind: SpareKind): Promise<boolean> {
    return (await this.names(key)).includes(SparePool.name(kind));
  }

  /** A fresh directory to build a spare in (then publish() it). */
  async scratch(key: string): Promise<string> {
    await mkdir(this.dirOf(key), { recursive: true, mode: 0o700 });
    for (const name of await this.names(key)) {
      if (name.startsWith('ready-')) continue;
      const info = await stat(join(this.dirOf(key), name)).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > ABANDONED_MS) await this.discard(key, name);
    }
    return join(this.dirOf(key), `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  /** Makes a built spare available; false (and removed) when an identical one already is. */
  async publish(key: string, built: string, kind: SpareKind): Promise<boolean> {
    try {
      await rename(built, join(this.dirOf(key), SparePool.name(kind)));
      return true;
    } catch {
      await removeTree(built);
      return false;
    }
  }

  /** Removes every spare of a repo (its mirror was evicted). */
  async removeAll(key: string): Promise<void> {
    await removeTree(this.dirOf(key));
  }

  private async names(key: string): Promise<string[]> {
    return readdir(this.dirOf(key)).catch(() => [] as string[]);
  }

  private async discard(key: string, name: string): Promise<void> {
    // Renamed away first so no one takes it while it is being removed.
    const doomed = join(this.dirOf(key), `gone-${randomBytes(4).toString('hex')}`);
    try {
      await rename(join(this.dirOf(key), name), doomed);
    } catch {
      return;
    }
    await removeTree(doomed);
  }
}

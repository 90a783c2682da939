import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Git } from '../git/Git.js';
import { gitAuthEnv } from '../git/gitAuthEnv.js';
import { Masker } from '../secrets/Masker.js';
import type { BranchInspector } from './types.js';

export interface GitBranchInspectorOptions {
  /** A scratch directory of this process (one bare repository per remote, fetched into). */
  dir: string;
  token?: string;
  username: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Answers "is this branch merged?" with git: `ls-remote` for the two heads (a deleted branch counts as
 * merged: forges delete branches on merge), then, when the heads differ, a fetch of both into a
 * scratch bare repository and `merge-base --is-ancestor`. Answers are cached per pair of heads.
 */
export class GitBranchInspector implements BranchInspector {
  private readonly git: Git;
  private readonly cache = new Map<string, boolean>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: GitBranchInspectorOptions) {
    this.git = new Git(new Masker(opts.token ? [opts.token] : []), opts.env);
  }

  isMerged(repo: string, branch: string, base: string | null): Promise<boolean> {
    // One git operation at a time per process: fetches into one scratch repo must not overlap.
    const next = this.queue.then(() => this.check(repo, branch, base));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async check(repo: string, branch: string, base: string | null): Promise<boolean> {
    const auth = this.opts.token ? gitAuthEnv(this.opts.env, repo, this.opts.token, this.opts.username) : {};
    const heads = await this.git.run(
      [
        'ls-remote',
        '--symref',
        '--',
        repo,
        'HEAD',
        `refs/heads/${branch}`,
        ...(base ? [`refs/heads/${base}`] : []),
      ],
      {
        env: auth,
        timeoutMs: 60_000,
      },
    );
    const refs = new Map<string, string>();
    let defaultBranch: string | undefined;
    for (const line of heads.stdout.split('\n')) {
      const symref = /^ref: refs\/heads\/(\S+)\s+HEAD$/.exec(line);
      if (symref) defaultBranch = symref[1];
      const [sha, ref] = line.split('\t');
      if (sha && ref && /^[0-9a-f]{40,64}$/.test(sha)) refs.set(ref, sha);
    }
    const baseName = base ?? defaultBranch;
    const branchSha = refs.get(`refs/heads/${branch}`);
    const baseSha = baseName
      ? (refs.get(`refs/heads/${baseName}`) ?? (base ? undefined : refs.get('HEAD')))
      : undefined;
    if (!branchSha) return true;
    if (!baseSha) return false;
    if (branchSha === baseSha) return true;
    const key = `${repo}\n${branchSha}\n${baseSha}`;
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    const scratch = join(this.opts.dir, createHash('sha256').update(repo).digest('hex').slice(0, 16));
    if (!existsSync(join(scratch, 'HEAD'))) {
      await mkdir(scratch, { recursive: true });
      await this.git.run(['init', '--quiet', '--bare', scratch]);
    }
    await this.git.run(
      [
        '--git-dir',
        scratch,
        'fetch',
        '--quiet',
        '--no-tags',
        '--',
        repo,
        `+refs/heads/${branch}:refs/drover/branch`,
        `+refs/heads/${baseName}:refs/drover/base`,
      ],
      { env: auth, timeoutMs: 10 * 60_000 },
    );
    const res = await this.git.run(
      ['--git-dir', scratch, 'merge-base', '--is-ancestor', branchSha, baseSha],
      {
        allowFailure: true,
      },
    );
    const merged = res.exitCode === 0;
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(key, merged);
    return merged;
  }
}

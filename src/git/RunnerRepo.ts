import { join } from 'node:path';
import type { Git, GitResult, GitRunOptions } from './Git.js';

export type ObjectFormat = 'sha1' | 'sha256';

export interface RunnerRepoInit {
  git: Git;
  /** The runner-owned git directory (outside the workspace, hidden from the sandbox). */
  gitDir: string;
  /** The job's work tree (the agent's checkout). */
  workTree: string;
  format: ObjectFormat;
  /** The commit the job's branch started at, and its tree. */
  startSha: string;
  startTree: string;
}

/**
 * The job's own git repository: created from the fresh clone before any repo-controlled command runs,
 * with a config Drover writes. Every git step after that (staging, commits, diffs, the reviewer
 * put-back, the push) runs here, with the workspace only as a work tree: nothing the agent planted in
 * the workspace's `.git` (config, hooks, symlinks, alternates, index) is read by git, and the agent's
 * commits come in only as verified objects (see importAgentHead).
 */
export class RunnerRepo {
  readonly git: Git;
  readonly gitDir: string;
  readonly workTree: string;
  readonly format: ObjectFormat;
  readonly startSha: string;
  readonly startTree: string;
  /** The commit the index was last read from: the start, or the agent's imported HEAD. */
  indexBase: string;
  /** Work-tree paths already reported as left out (each is reported once per job). */
  readonly reported = new Set<string>();

  constructor(init: RunnerRepoInit) {
    this.git = init.git;
    this.gitDir = init.gitDir;
    this.workTree = init.workTree;
    this.format = init.format;
    this.startSha = init.startSha;
    this.startTree = init.startTree;
    this.indexBase = init.startSha;
  }

  get objectsDir(): string {
    return join(this.gitDir, 'objects');
  }

  get hexLength(): number {
    return this.format === 'sha256' ? 64 : 40;
  }

  /**
   * git on the runner-owned repository with Drover's config only (no system or global config, so
   * no filter, textconv or diff driver exists). `workTree: true` adds the workspace as work tree.
   */
  run(args: string[], opts: RunnerGitOptions = {}): Promise<GitResult> {
    const { workTree, ...rest } = opts;
    return this.git.run(args, {
      ...rest,
      cwd: workTree ? this.workTree : this.gitDir,
      env: {
        GIT_DIR: this.gitDir,
        GIT_INDEX_FILE: join(this.gitDir, 'index'),
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        ...(workTree ? { GIT_WORK_TREE: this.workTree } : {}),
        ...opts.env,
      },
    });
  }

  async out(args: string[], opts: RunnerGitOptions = {}): Promise<string> {
    return (await this.run(args, opts)).stdout.trim();
  }

  /**
   * git talking to the remote from the runner-owned repository: the runner's own system and global
   * config apply (credential helpers, proxies, URL rewrites); the repository's config is Drover's.
   */
  network(args: string[], opts: Omit<GitRunOptions, 'cwd'> = {}): Promise<GitResult> {
    return this.git.run(args, {
      ...opts,
      cwd: this.gitDir,
      env: { GIT_DIR: this.gitDir, ...opts.env },
    });
  }
}

export interface RunnerGitOptions extends Omit<GitRunOptions, 'cwd'> {
  /** Run with the workspace as the work tree (staging, restoring files); cwd is the work tree. */
  workTree?: boolean;
}

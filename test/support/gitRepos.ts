import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Real-git fixtures for e2e tests. Every git we spawn is hermetic: no system/global config, a throwaway
// HOME, no inherited GIT_* variables (a test run from a git hook would otherwise inherit GIT_DIR /
// GIT_INDEX_FILE and scribble on the developer's repo), never prompts, and English messages.

export const FIXTURE_AUTHOR = { name: 'Drover Fixture', email: 'fixture@drover.test' } as const;

let sharedHome: string | undefined;

/** A per-process empty HOME for git, removed when the process exits. */
export function gitHome(): string {
  if (!sharedHome) {
    const home = mkdtempSync(join(tmpdir(), 'drover-git-home-'));
    sharedHome = home;
    process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  }
  return sharedHome;
}

/**
 * Environment for spawning git: process.env minus GIT_* / askpass helpers, plus the hermetic settings.
 * `extra` wins (pass `undefined` to drop a key). GIT_CONFIG_COUNT is left free for callers.
 */
export function hermeticGitEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GIT_') || k === 'SSH_ASKPASS' || k === 'EMAIL') continue;
    env[k] = v;
  }
  const home = gitHome();
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: FIXTURE_AUTHOR.name,
    GIT_AUTHOR_EMAIL: FIXTURE_AUTHOR.email,
    GIT_COMMITTER_NAME: FIXTURE_AUTHOR.name,
    GIT_COMMITTER_EMAIL: FIXTURE_AUTHOR.email,
    LC_ALL: 'C',
    LANG: 'C',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunGitOptions {
  cwd?: string;
  /** Merged over hermeticGitEnv(); `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  /** Resolve with the non-zero exit code instead of throwing. */
  allowFailure?: boolean;
}

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: GitResult,
  ) {
    super(`git ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'GitError';
  }
}

/** Runs git hermetically; throws GitError (carrying stderr) on a non-zero exit unless allowFailure. */
export function runGit(args: readonly string[], opts: RunGitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      env: hermeticGitEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {}); // git may exit before reading its input
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result: GitResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? (signal ? 128 : 1),
      };
      if (result.exitCode !== 0 && !opts.allowFailure) reject(new GitError(args, result));
      else resolve(result);
    });
    child.stdin.end(opts.input);
  });
}

/** `git <args>` in `dir`; returns trimmed stdout, throws with stderr on failure. */
export async function gitIn(dir: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd: dir })).stdout.trim();
}

// A package.json-free project: an ES module plus a shell check a test gate can run (`sh check.sh`).
export const DEFAULT_FILES: Readonly<Record<string, string>> = {
  'README.md': '# Fixture project\n\nA tiny repository used by Drover end-to-end tests.\n',
  'src/greet.mjs': "export function greet(name) {\n  return 'Hello, ' + name + '!';\n}\n",
  'check.sh':
    "#!/bin/sh\nset -e\nnode --input-type=module -e \"import { greet } from './src/greet.mjs'; " +
    "if (greet('x') !== 'Hello, x!') process.exit(1);\"\n",
};

export interface BareRepoOptions {
  /** Files of the initial commit (default: DEFAULT_FILES). */
  files?: Record<string, string>;
  /** Default branch / HEAD of the bare repo (default 'main'). */
  branch?: string;
  /** Total commits on the branch (default 1); later ones append to HISTORY.md. */
  commits?: number;
  /** Repo is created at `<dir>/<name>.git` (default 'repo'), i.e. served at `<url>/<name>.git`. */
  name?: string;
}

export interface BareRepo {
  /** Temp directory holding the bare repo; use it as the http server's projectRoot. */
  dir: string;
  bareDir: string;
  name: string;
  branch: string;
  cleanup(): Promise<void>;
}

/** Fixed dates make the fixture's commit ids identical across runs. */
function fixtureDate(i: number): string {
  return new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString();
}

export async function createBareRepo(opts: BareRepoOptions = {}): Promise<BareRepo> {
  const branch = opts.branch ?? 'main';
  const name = opts.name ?? 'repo';
  const commits = Math.max(1, opts.commits ?? 1);
  const dir = await mkdtemp(join(tmpdir(), 'drover-bare-'));
  const bareDir = join(dir, `${name}.git`);
  const seed = join(dir, '.seed');
  try {
    await runGit(['init', '--bare', '-q', '-b', branch, bareDir]);
    await runGit(['init', '-q', '-b', branch, seed]);
    for (const [path, content] of Object.entries(opts.files ?? DEFAULT_FILES)) {
      const full = join(seed, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
    for (let i = 0; i < commits; i++) {
      if (i > 0) {
        await writeFile(
          join(seed, 'HISTORY.md'),
          Array.from({ length: i }, (_, n) => `- change ${n + 1}\n`).join(''),
        );
      }
      const date = fixtureDate(i);
      await runGit(['add', '-A'], { cwd: seed });
      await runGit(['commit', '-q', '--allow-empty', '-m', i === 0 ? 'Initial commit' : `Change ${i}`], {
        cwd: seed,
        env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      });
    }
    await runGit(['push', '-q', bareDir, `HEAD:refs/heads/${branch}`], { cwd: seed });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  } finally {
    await rm(seed, { recursive: true, force: true });
  }
  return { dir, bareDir, name, branch, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Local branch names of a (bare) repo, sorted. */
export async function listBranches(repoDir: string): Promise<string[]> {
  const out = await gitIn(repoDir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads');
  return out ? out.split('\n').sort() : [];
}

/** Contents of `path` at `ref`, or undefined when the ref or path doesn't exist. */
export async function readFileAtRef(repoDir: string, ref: string, path: string): Promise<string | undefined> {
  const res = await runGit(['cat-file', 'blob', `${ref}:${path}`], { cwd: repoDir, allowFailure: true });
  return res.exitCode === 0 ? res.stdout : undefined;
}

/** Every file in the tree of `ref` (text, utf8) keyed by path. */
export async function branchFiles(repoDir: string, ref: string): Promise<Record<string, string>> {
  const listing = await runGit(['ls-tree', '-r', '-z', ref], { cwd: repoDir });
  const files: Record<string, string> = {};
  for (const entry of listing.stdout.split('\0')) {
    if (!entry) continue;
    // "<mode> <type> <oid>\t<path>"
    const tab = entry.indexOf('\t');
    const [, type, oid] = entry.slice(0, tab).split(' ');
    if (type !== 'blob' || !oid) continue; // skip submodules
    files[entry.slice(tab + 1)] = (await runGit(['cat-file', 'blob', oid], { cwd: repoDir })).stdout;
  }
  return files;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  body: string;
  authorName: string;
  authorEmail: string;
  committerName: string;
  committerEmail: string;
}

/** Commits reachable from `ref` (or a range like `main..feature`), newest first. */
export async function commitLog(repoDir: string, ref: string): Promise<CommitInfo[]> {
  const out = await gitIn(
    repoDir,
    'log',
    '--format=%H%x00%s%x00%an%x00%ae%x00%cn%x00%ce%x00%b%x1e',
    ref,
    '--',
  );
  return out
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.length > 0)
    .map((r) => {
      const [
        sha = '',
        subject = '',
        authorName = '',
        authorEmail = '',
        committerName = '',
        committerEmail = '',
        body = '',
      ] = r.split('\0');
      return { sha, subject, body: body.trim(), authorName, authorEmail, committerName, committerEmail };
    });
}

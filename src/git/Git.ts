import { availableParallelism } from 'node:os';
import { GitError } from '../errors.js';
import type { Masker } from '../secrets/Masker.js';
import { runProcess } from './runProcess.js';

export interface GitRunOptions {
  cwd?: string;
  /** Extra environment (e.g. gitAuthEnv) for this call only. */
  env?: Record<string, string>;
  allowFailure?: boolean;
  input?: string | Buffer;
  /** How stdout is decoded (default utf8; latin1 for byte-exact file names). */
  stdoutEncoding?: BufferEncoding;
  timeoutMs?: number;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// Config forced on every git Drover runs: the agent may have edited the workspace's .git/config or
// .git/hooks, and Drover's git calls must not run anything it planted (hooks, fsmonitor).
const SAFE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'protocol.fd.allow=never',
];

// Checkout writes files with several workers: it is mostly waiting on the disk, so a few per core
// overlap (a 20k-file checkout ~1.6x faster on 2 cores). Only checkouts above 100 files use them.
const PERF_CONFIG = ['-c', `checkout.workers=${Math.min(16, Math.max(4, availableParallelism() * 2))}`];

// Variables that point git at a repository, work tree, index or object store. Drover's runner may
// itself be started from a git hook or alias that set them; each of Drover's git calls says which
// repository it means (cwd, --git-dir or its own GIT_DIR), so inherited ones are dropped.
const LOCATION_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_QUARANTINE_PATH',
];

/** Runs git with masked errors, no prompts, and Drover's safety config. */
export class Git {
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(
    private readonly masker: Masker,
    baseEnv: NodeJS.ProcessEnv = process.env,
  ) {
    const env = { ...baseEnv };
    for (const key of LOCATION_VARS) delete env[key];
    this.baseEnv = env;
  }

  async run(args: string[], opts: GitRunOptions = {}): Promise<GitResult> {
    const result = await runProcess('git', [...SAFE_CONFIG, ...PERF_CONFIG, ...args], {
      cwd: opts.cwd,
      env: { ...this.baseEnv, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never', ...opts.env },
      input: opts.input,
      stdoutEncoding: opts.stdoutEncoding,
      timeoutMs: opts.timeoutMs ?? 15 * 60_000,
    });
    const out: GitResult = {
      stdout: result.stdout,
      stderr: this.masker.mask(result.stderr),
      exitCode: result.exitCode ?? -1,
    };
    if (out.exitCode !== 0 && !opts.allowFailure) {
      throw new GitError(`git ${args[0]} failed: ${lastLines(out.stderr) || `exit code ${out.exitCode}`}`);
    }
    return out;
  }

  async out(args: string[], opts: GitRunOptions = {}): Promise<string> {
    return (await this.run(args, opts)).stdout.trim();
  }
}

/** The last few meaningful lines of git's stderr: enough to act on, short enough for errorMessage. */
export function lastLines(stderr: string, n = 3): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'))
    .slice(-n)
    .join(' ');
}

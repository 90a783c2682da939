import { execFile } from 'node:child_process';
import { lstatSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentInvocation } from '../agents/types.js';
import type { SandboxMode } from '../jobs/JobSpec.js';

export interface SandboxPaths {
  /** The checkout: writable in workspace-write, read-only in read-only. */
  workspace: string;
  /** The job's private state (HOME, agent config, hook reports): always writable. */
  stateDir: string;
  /** The job's TMPDIR: always writable (the rest of /tmp is a private, empty tmpfs). */
  tmpDir?: string;
  /** Directories (emptied) and files (replaced by /dev/null) the sandbox must not see. */
  hide?: readonly string[];
  /** Paths under /tmp that programs the job needs live in (node, Drover, agent CLIs): bound read-only. */
  expose?: readonly string[];
}

export interface SandboxOptions extends SandboxPaths {
  mode: SandboxMode;
  /** The bwrap binary (default: `bwrap` on PATH, DROVER_BWRAP in the runner's environment). */
  bwrap?: string;
}

export interface BwrapStatus {
  ok: boolean;
  bwrap: string;
  /** Why bubblewrap cannot be used, for the job log. */
  reason?: string;
}

/** Namespaces and process options every sandboxed command gets (network is kept: agents need their API). */
const ISOLATION = [
  '--die-with-parent',
  '--new-session',
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--unshare-cgroup-try',
];

/** Sockets that would hand out root on the host whatever the filesystem view. */
const HOST_SOCKETS = ['/run/docker.sock', '/var/run/docker.sock', '/run/containerd/containerd.sock'];

/**
 * The bubblewrap command line for one sandboxed command: the host's root read-only, fresh /dev, /proc
 * (own pid namespace: the runner's processes and their environments are invisible) and /tmp, the
 * listed paths hidden, the job's state and tmp dirs writable, the workspace writable or read-only with
 * its .git/hooks and .git/config read-only (a planted hook or config never reaches Drover's git).
 */
export function bwrapArgs(opts: SandboxPaths & { mode: Exclude<SandboxMode, 'none'> }): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  // Before the hidden paths, so a data dir inside an exposed tree is still hidden.
  const exposed = (opts.expose ?? []).filter(
    (p) => isUnder(p, '/tmp') && p !== '/tmp' && pathKind(p) === 'dir',
  );
  for (const path of exposed) args.push('--ro-bind', path, path);
  for (const path of opts.hide ?? []) {
    // The rest of /tmp is private already.
    if (path === '/' || (isUnder(path, '/tmp') && !exposed.some((e) => isUnder(path, e)))) continue;
    const kind = pathKind(path);
    if (kind === 'dir') args.push('--tmpfs', path);
    else if (kind === 'file') args.push('--ro-bind', '/dev/null', path);
  }
  for (const socket of HOST_SOCKETS)
    if (pathKind(socket) === 'other') args.push('--ro-bind', '/dev/null', socket);
  args.push('--bind', opts.stateDir, opts.stateDir);
  if (opts.tmpDir) args.push('--bind', opts.tmpDir, opts.tmpDir);
  args.push(opts.mode === 'read-only' ? '--ro-bind' : '--bind', opts.workspace, opts.workspace);
  // Only the real thing: bwrap follows links on both sides of a bind, so a link planted at one of
  // these paths would otherwise mount a host (or hidden) path into the sandbox.
  if (pathKind(join(opts.workspace, '.git'), true) === 'dir') {
    for (const [protectedPath, kind] of [
      ['.git/hooks', 'dir'],
      ['.git/config', 'file'],
    ] as const) {
      const full = join(opts.workspace, protectedPath);
      if (pathKind(full, true) === kind) args.push('--ro-bind', full, full);
    }
  }
  args.push('--chdir', opts.workspace, ...ISOLATION);
  return args;
}

/**
 * Wraps a command invocation in the sandbox (mode none: unchanged). Exported for every command Drover
 * runs in a workspace: the agent, setup steps, verify commands. The caller checks probeBwrap first.
 */
export async function sandboxWrap(inv: AgentInvocation, opts: SandboxOptions): Promise<AgentInvocation> {
  if (opts.mode === 'none') return inv;
  // An empty hooks dir, mounted read-only, so the agent cannot create one either; never through a
  // .git that is not a real directory (mkdir would follow a link to wherever it points).
  if (pathKind(join(opts.workspace, '.git'), true) === 'dir') {
    await mkdir(join(opts.workspace, '.git', 'hooks')).catch(() => {});
  }
  return {
    ...inv,
    command: opts.bwrap ?? 'bwrap',
    args: [...bwrapArgs({ ...opts, mode: opts.mode }), '--', inv.command, ...inv.args],
  };
}

/** How long a probe's answer is trusted: a runner notices a changed host (sysctl, package) this soon. */
export const PROBE_TTL_MS = 60_000;
const probes = new Map<string, { at: number; status: Promise<BwrapStatus> }>();

/**
 * Whether bubblewrap can create its namespaces here (it cannot in many containers, or where
 * unprivileged user namespaces are disabled). Tried once per binary and trusted for PROBE_TTL_MS, so a
 * runner pays for it about once a minute rather than once a job, and an answer is never older than
 * that. (A "works" that went stale fails safe: the sandboxed command itself then fails to start.)
 */
export function probeBwrap(bwrap = 'bwrap', now = Date.now()): Promise<BwrapStatus> {
  const cached = probes.get(bwrap);
  if (cached && now - cached.at < PROBE_TTL_MS) return cached.status;
  const probe = new Promise<BwrapStatus>((resolve) => {
    const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', ...ISOLATION];
    execFile(bwrap, [...args, '--', 'true'], { timeout: 15_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ ok: true, bwrap });
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? `${bwrap} is not installed (apt-get install bubblewrap)`
          : `${bwrap} cannot create its namespaces here: ${firstLine(stderr) || err.message} ` +
            '(enable unprivileged user namespaces, e.g. sysctl kernel.unprivileged_userns_clone=1 or ' +
            'kernel.apparmor_restrict_unprivileged_userns=0, or run the container with --privileged)';
      resolve({ ok: false, bwrap, reason });
    });
  });
  probes.set(bwrap, { at: now, status: probe });
  return probe;
}

function pathKind(path: string, noFollow = false): 'dir' | 'file' | 'other' | undefined {
  try {
    const info = noFollow ? lstatSync(path) : statSync(path);
    return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

export function isUnder(path: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir : `${dir}/`;
  return path === dir || path.startsWith(d);
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

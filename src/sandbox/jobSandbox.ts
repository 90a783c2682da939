import { existsSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute } from 'node:path';
import { SandboxError } from '../errors.js';
import type { SandboxMode } from '../jobs/JobSpec.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { installRoot } from '../util/installRoot.js';
import { isUnder, probeBwrap, sandboxWrap } from './bwrap.js';
import type { JobSandbox } from './types.js';

/**
 * Starts the bubblewrap probe at the start of a job, so it runs while the repo is cloned: jobSandbox
 * then finds its answer ready (probes are cached per runner process, see probeBwrap).
 */
export function startSandboxProbe(ctx: JobContext): void {
  const requested = ctx.spec.sandbox ?? ctx.config.sandboxDefault ?? 'auto';
  if (requested !== 'none') void probeBwrap(ctx.config.hostEnv.DROVER_BWRAP || 'bwrap');
}

/**
 * Resolves the job's sandbox (cached on the context): the job's `sandbox`, else DROVER_SANDBOX, else
 * auto = workspace-write when bubblewrap works here, none with a warning in the job log when it does
 * not. An explicit mode that cannot be honoured fails the job (errorKind sandbox).
 */
export async function jobSandbox(ctx: JobContext): Promise<JobSandbox> {
  if (ctx.sandbox) return ctx.sandbox;
  const requested = ctx.spec.sandbox ?? ctx.config.sandboxDefault ?? 'auto';
  let mode: SandboxMode = requested === 'auto' ? 'workspace-write' : requested;
  const bwrap = ctx.config.hostEnv.DROVER_BWRAP || 'bwrap';
  if (mode !== 'none') {
    const status = await probeBwrap(bwrap);
    if (!status.ok) {
      if (requested !== 'auto') {
        throw new SandboxError(`sandbox: "${requested}" was requested but ${status.reason}.`);
      }
      ctx.output.system(
        `WARNING: no sandbox: ${status.reason}. The agent can write anywhere this runner can; pass --sandbox none (or DROVER_SANDBOX=none) to acknowledge.`,
        'sandbox',
        { mode: 'none', reason: status.reason },
      );
      mode = 'none';
    }
  }
  const ws = ctx.workspace!;
  const hide = hiddenPaths(ctx);
  const expose = exposedPaths(ctx);
  if (mode !== 'none') {
    ctx.output.system(
      `Sandbox: ${mode} (bubblewrap: read-only system, private /tmp and /proc, workspace ${
        mode === 'read-only' ? 'read-only' : 'writable'
      }, .git/hooks and .git/config read-only, network on)`,
      'sandbox',
      { mode },
    );
  } else if (requested === 'none') {
    ctx.output.system('Sandbox: none (as requested)', 'sandbox', { mode });
  }
  const sandbox: JobSandbox = {
    mode,
    wrap: (inv, override) => {
      const effective = mode === 'none' ? 'none' : (override ?? mode);
      return sandboxWrap(inv, {
        mode: effective,
        bwrap,
        workspace: ws.repoDir,
        stateDir: ws.stateDir,
        tmpDir: ws.tmpDir,
        hide,
        expose,
      });
    },
  };
  ctx.sandbox = sandbox;
  ctx.wrapCommand = (inv) => sandbox.wrap(inv, sandbox.mode === 'none' ? 'none' : 'workspace-write');
  return sandbox;
}

/**
 * What a sandboxed command must not see even read-only: Drover's data dir (the job store, other jobs'
 * output and artifacts), the work root (other jobs' workspaces), the job's runner-owned repository,
 * DROVER_CONFIG and the host HOME (credentials); each unless a program the job needs (node, Drover,
 * the agent CLIs, PATH) lives in it.
 */
function hiddenPaths(ctx: JobContext): string[] {
  const env = ctx.config.hostEnv;
  const ws = ctx.workspace!;
  const candidates = [ctx.config.dataDir, dirname(ws.root), ws.gitDir, env.DROVER_CONFIG, env.HOME];
  const needed = neededPaths(env);
  return candidates.filter(
    (p): p is string =>
      !!p && isAbsolute(p) && p !== '/' && existsSync(p) && !needed.some((n) => isUnder(n, p)),
  );
}

/** Programs a job needs: node, Drover itself, PATH entries and the agent CLIs. */
function neededPaths(env: NodeJS.ProcessEnv): string[] {
  return [
    process.execPath,
    // Drover itself: its `drover hook` must stay visible inside the sandbox.
    installRoot(),
    ...(env.PATH ?? '').split(delimiter),
    ...['CLAUDE_BIN', 'CODEX_BIN', 'GEMINI_BIN'].map((k) => env[k] ?? ''),
  ].filter((p) => isAbsolute(p));
}

/**
 * The sandbox's /tmp is private, but Drover or an agent CLI may be installed under /tmp (a CI
 * checkout, an unpacked release): expose those installs read-only — the whole package tree (up to
 * the project above node_modules), since a CLI's entry point is often a link into a sibling package.
 */
function exposedPaths(ctx: JobContext): string[] {
  const out = new Set<string>();
  for (const path of neededPaths(ctx.config.hostEnv)) {
    for (const form of [path, safeRealpath(path)]) {
      if (!form || !isUnder(form, '/tmp') || !existsSync(form)) continue;
      const nm = form.lastIndexOf('/node_modules/');
      const root = nm > 0 ? form.slice(0, nm) : statSync(form).isDirectory() ? form : dirname(form);
      if (root !== '/tmp') out.add(root);
    }
  }
  return [...out];
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

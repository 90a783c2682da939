import { probeBwrap } from '../sandbox/bwrap.js';
import { atLeast, firstLine, probe } from './probe.js';
import type { CheckResult, DoctorSetup } from './types.js';

/** The oldest git Drover's commands work with (fetch --no-write-fetch-head). */
export const MIN_GIT = '2.29';
export const MIN_NODE = '20';

export function checkNode(): CheckResult {
  const version = process.versions.node;
  return atLeast(version, MIN_NODE)
    ? { name: 'node', status: 'ok', detail: `v${version}` }
    : {
        name: 'node',
        status: 'fail',
        detail: `v${version} is too old`,
        fix: `install Node.js ${MIN_NODE} or later`,
      };
}

export async function checkGit(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const res = await probe('git', ['--version'], { env });
  if (!res.ok) {
    return {
      name: 'git',
      status: 'fail',
      detail: res.code === 'ENOENT' ? 'not found on PATH' : firstLine(res.stderr) || 'git --version failed',
      fix: `install git ${MIN_GIT} or later (apt-get install git)`,
    };
  }
  const version = /(\d+\.\d+(?:\.\d+)?)/.exec(res.stdout)?.[1] ?? '0';
  return atLeast(version, MIN_GIT)
    ? { name: 'git', status: 'ok', detail: firstLine(res.stdout) }
    : {
        name: 'git',
        status: 'fail',
        detail: `${firstLine(res.stdout)} is too old`,
        fix: `install git ${MIN_GIT} or later`,
      };
}

/** bubblewrap: found, and able to create its namespaces here (required only when a sandbox is forced). */
export async function checkSandbox(setup: DoctorSetup): Promise<CheckResult> {
  const bwrap = setup.env.DROVER_BWRAP || 'bwrap';
  const required = setup.sandboxDefault === 'workspace-write' || setup.sandboxDefault === 'read-only';
  if (setup.sandboxDefault === 'none') {
    return { name: 'sandbox', status: 'ok', detail: 'DROVER_SANDBOX=none: agents run without a sandbox' };
  }
  const status = await probeBwrap(bwrap);
  const version = firstLine((await probe(bwrap, ['--version'], { env: setup.env })).stdout);
  if (status.ok) {
    return {
      name: 'sandbox',
      status: 'ok',
      detail: `${version || bwrap}: namespaces work (jobs get workspace-write)`,
    };
  }
  return {
    name: 'sandbox',
    status: required ? 'fail' : 'warn',
    detail: required
      ? `DROVER_SANDBOX=${setup.sandboxDefault} but ${status.reason}`
      : `jobs run without a sandbox: ${status.reason}`,
    fix: /not installed/.test(status.reason ?? '')
      ? 'apt-get install bubblewrap (or set DROVER_SANDBOX=none to accept running agents unsandboxed)'
      : 'enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0), or set DROVER_SANDBOX=none',
  };
}

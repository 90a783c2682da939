import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentInvocation } from '../agents/types.js';
import { bwrapArgs, PROBE_TTL_MS, probeBwrap, sandboxWrap } from './bwrap.js';

const run = promisify(execFile);
// Outside /tmp on purpose: the sandbox's /tmp is private, so only a host path shows ro vs hidden.
const root = mkdtempSync('/var/tmp/drover-bwrap-');
const ws = join(root, 'job', 'repo');
const state = join(root, 'job', 'state');
const tmp = join(root, 'job', 'tmp');
const secretDir = join(root, 'data');
const secretFile = join(root, 'config.yaml');

beforeAll(async () => {
  for (const d of [ws, state, tmp, secretDir]) mkdirSync(d, { recursive: true });
  await run('git', ['init', '-q', ws]);
  writeFileSync(join(secretDir, 'drover.db'), 'secret rows');
  writeFileSync(secretFile, 'token: secret');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sh = (script: string): AgentInvocation => ({
  command: '/bin/sh',
  args: ['-c', script],
  env: { PATH: '/usr/bin:/bin' },
  stdin: null,
  secrets: [],
});

async function inSandbox(script: string, mode: 'workspace-write' | 'read-only' = 'workspace-write') {
  const inv = await sandboxWrap(sh(script), {
    mode,
    workspace: ws,
    stateDir: state,
    tmpDir: tmp,
    hide: [secretDir, secretFile],
  });
  return run(inv.command, inv.args, { cwd: ws, env: inv.env }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

describe('bubblewrap sandbox', () => {
  it('builds a read-only root with fresh /dev, /proc, /tmp, hidden paths, writable job dirs and protected .git', () => {
    const args = bwrapArgs({
      mode: 'workspace-write',
      workspace: ws,
      stateDir: state,
      tmpDir: tmp,
      hide: [secretDir, secretFile, '/tmp/x'],
    });
    const joined = args.join(' ');
    expect(args.slice(0, 8)).toEqual(['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs']);
    expect(joined).toContain(`--tmpfs ${secretDir}`);
    expect(joined).toContain(`--ro-bind /dev/null ${secretFile}`);
    expect(joined).not.toContain('/tmp/x'); // /tmp is private anyway
    expect(joined).toContain(`--bind ${state} ${state}`);
    expect(joined).toContain(`--bind ${ws} ${ws}`);
    expect(joined).toContain(`--ro-bind ${ws}/.git/config ${ws}/.git/config`);
    for (const flag of ['--die-with-parent', '--new-session', '--unshare-pid']) expect(args).toContain(flag);
    expect(args).not.toContain('--unshare-net');
    expect(bwrapArgs({ mode: 'read-only', workspace: ws, stateDir: state }).join(' ')).toContain(
      `--ro-bind ${ws} ${ws}`,
    );
  });

  it('never mounts or creates through a link planted at .git, .git/config or .git/hooks', async () => {
    const job = join(root, 'linked');
    const repo = join(job, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    symlinkSync(secretFile, join(repo, '.git', 'config'));
    symlinkSync(secretDir, join(repo, '.git', 'hooks'));
    const args = bwrapArgs({ mode: 'workspace-write', workspace: repo, stateDir: state }).join(' ');
    expect(args).not.toContain('.git/config');
    expect(args).not.toContain('.git/hooks');

    // A .git that is a link to a host directory: nothing is made inside it.
    const other = join(job, 'other');
    const host = join(job, 'host-dir');
    mkdirSync(other);
    mkdirSync(host);
    symlinkSync(host, join(other, '.git'));
    await sandboxWrap(sh('true'), { mode: 'workspace-write', workspace: other, stateDir: state });
    expect(readdirSync(host)).toEqual([]);
  });

  it('mode none leaves the invocation alone', async () => {
    const inv = sh('true');
    expect(await sandboxWrap(inv, { mode: 'none', workspace: ws, stateDir: state })).toBe(inv);
  });

  it('is available on this machine', async () => {
    expect(await probeBwrap()).toEqual({ ok: true, bwrap: 'bwrap' });
    expect(await probeBwrap('/nonexistent/bwrap')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is not installed'),
    });
  });

  it('trusts a probe for a minute, then asks bubblewrap again', async () => {
    const bin = join(root, 'bwrap-link');
    symlinkSync(execFileSync('sh', ['-c', 'command -v bwrap']).toString().trim(), bin);
    const t = Date.now();
    const first = probeBwrap(bin, t);
    expect(probeBwrap(bin, t + PROBE_TTL_MS - 1)).toBe(first);
    expect(await first).toEqual({ ok: true, bwrap: bin });
    // The binary went away (e.g. uninstalled): the next probe after the TTL says so.
    rmSync(bin);
    expect(probeBwrap(bin, t + PROBE_TTL_MS - 1)).toBe(first);
    expect(await probeBwrap(bin, t + PROBE_TTL_MS)).toMatchObject({ ok: false });
  });

  it('lets a command write its workspace and state, and nothing else', async () => {
    const r = await inSandbox(
      [
        'echo ok > in-workspace.txt',
        `echo ok > ${state}/in-state.txt`,
        `echo no > ${root}/outside.txt`,
        'echo no > .git/hooks/pre-commit',
        'echo no >> .git/config',
        `cat ${secretDir}/drover.db`,
        `cat ${secretFile}`,
        'echo private > /tmp/private.txt',
        'true',
      ].join('; '),
    );
    expect(r.code).toBe(0);
    expect(readFileSync(join(ws, 'in-workspace.txt'), 'utf8')).toBe('ok\n');
    expect(readFileSync(join(state, 'in-state.txt'), 'utf8')).toBe('ok\n');
    expect(existsSync(join(root, 'outside.txt'))).toBe(false);
    expect(existsSync(join(ws, '.git/hooks/pre-commit'))).toBe(false);
    expect(readFileSync(join(ws, '.git/config'), 'utf8')).not.toContain('no');
    expect(r.out).not.toContain('secret');
    expect(r.out).toMatch(/outside\.txt: Read-only file system/);
    expect(existsSync('/tmp/private.txt')).toBe(false);
  });

  it('read-only mode keeps the workspace unchanged', async () => {
    const r = await inSandbox('echo x > ro.txt', 'read-only');
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Read-only file system/);
    expect(existsSync(join(ws, 'ro.txt'))).toBe(false);
  });

  it('exposes installs under /tmp read-only over the private /tmp, still hiding what lies inside them', async () => {
    const install = mkdtempSync('/tmp/drover-install-');
    try {
      mkdirSync(join(install, 'bin'));
      mkdirSync(join(install, 'data'));
      writeFileSync(join(install, 'bin', 'tool'), 'tool here');
      writeFileSync(join(install, 'data', 'drover.db'), 'secret rows');
      const inv = await sandboxWrap(
        sh(`cat ${install}/bin/tool; ls ${install}/data; touch ${install}/bin/x`),
        {
          mode: 'workspace-write',
          workspace: ws,
          stateDir: state,
          hide: [join(install, 'data')],
          expose: [install],
        },
      );
      const res = await run(inv.command, inv.args, { cwd: ws, env: inv.env }).then(
        (r) => r.stdout + r.stderr,
        (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
      );
      expect(res).toContain('tool here');
      expect(res).not.toContain('drover.db');
      expect(res).toMatch(/Read-only file system/);
    } finally {
      rmSync(install, { recursive: true, force: true });
    }
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepWorkspaces } from './sweepWorkspaces.js';
import { Workspace } from './Workspace.js';
import {
  currentOwner,
  formatOwnerTag,
  ownerState,
  processStartTicks,
  type WorkspaceOwner,
} from './workspaceOwner.js';

let root: string;
let outside: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-sweep-'));
  outside = mkdtempSync(join(tmpdir(), 'drover-sweep-outside-'));
  writeFileSync(join(outside, 'precious.txt'), 'keep me');
  chmodSync(outside, 0o755);
});

afterAll(() => {
  chmodSync(outside, 0o755);
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

async function sleeper(): Promise<{ child: ChildProcess; owner: WorkspaceOwner }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const start = processStartTicks(child.pid!);
  expect(start).toBeDefined();
  return { child, owner: { ...currentOwner(), pid: child.pid!, start: start! } };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** A workspace as Workspace.create lays it out, owned by `owner`. */
function fakeWorkspace(workRoot: string, owner: WorkspaceOwner, name = 'abc12345'): string {
  const dir = join(workRoot, `drover-${name}-${formatOwnerTag(owner)}-Xy12Zq`);
  mkdirSync(join(dir, 'repo/.git'), { recursive: true });
  mkdirSync(join(dir, 'state/home/.codex'), { recursive: true });
  writeFileSync(join(dir, 'state/home/.codex/auth.json'), '{}');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  return dir;
}

describe('workspace owners', () => {
  it('knows a live process, a dead one, a reused pid, a past boot and another machine', async () => {
    const { child, owner } = await sleeper();
    expect(ownerState(owner)).toBe('alive');
    expect(ownerState({ ...owner, start: String(Number(owner.start) + 1) })).toBe('gone');
    expect(ownerState({ ...owner, boot: '00000000' })).toBe('gone');
    expect(ownerState({ ...owner, machine: 'ffffffff' })).toBe('unknown');
    await kill(child);
    expect(ownerState(owner)).toBe('gone');
    expect(ownerState({ ...owner, machine: 'ffffffff' })).toBe('unknown');
    expect(ownerState(currentOwner())).toBe('alive');
  });
});

describe('sweepWorkspaces', () => {
  it('removes the workspaces of dead owners only, with their state, never following planted links', async () => {
    const work = mkdtempSync(join(root, 'work-'));
    const mine = await Workspace.create('job-mine-0001', work);
    const live = await sleeper();
    const liveDir = fakeWorkspace(work, live.owner, 'live0001');
    const dead = await sleeper();
    const deadDir = fakeWorkspace(work, dead.owner, 'dead0001');
    await kill(dead.child);
    const otherMachine = fakeWorkspace(work, { ...dead.owner, machine: 'ffffffff' }, 'remote01');
    const pastBoot = fakeWorkspace(work, { ...currentOwner(), boot: '00000000' }, 'boot0001');
    const legacy = join(work, 'drover-legacy1-AbCdEf');
    mkdirSync(legacy);

    // Planted by the agent of the dead workspace: links out of it, and a read-only directory that
    // makes the first removal attempt fail (the fallback chmods directories: never through a link).
    symlinkSync(outside, join(deadDir, 'repo/escape'));
    symlinkSync(join(outside, 'precious.txt'), join(deadDir, 'state/home/precious-link'));
    mkdirSync(join(deadDir, 'repo/locked'));
    symlinkSync(outside, join(deadDir, 'repo/locked/escape'));
    chmodSync(join(deadDir, 'repo/locked'), 0o500);
    chmodSync(outside, 0o555);
    // A link in the work root itself, named like a dead workspace.
    symlinkSync(outside, join(work, `drover-link0001-${formatOwnerTag(dead.owner)}-Qw12Er`));

    const result = await sweepWorkspaces(work);
    expect(result.removed.sort()).toEqual([deadDir, pastBoot].map((d) => d.slice(work.length + 1)).sort());
    for (const kept of [mine.root, liveDir, otherMachine, legacy]) expect(existsSync(kept), kept).toBe(true);
    expect(existsSync(deadDir)).toBe(false);
    expect(existsSync(pastBoot)).toBe(false);
    expect(readdirSync(work).filter((n) => n.startsWith('.gone-'))).toEqual([]);
    // Nothing outside was touched: its file, its mode, and the link in the work root all remain.
    expect(readdirSync(outside)).toEqual(['precious.txt']);
    expect(statSync(outside).mode & 0o777).toBe(0o555);
    expect(readdirSync(work).some((n) => n.startsWith('drover-link0001-'))).toBe(true);

    // Once the live owner dies, the next sweep takes its workspace too.
    await kill(live.child);
    expect((await sweepWorkspaces(work)).removed).toEqual([liveDir.slice(work.length + 1)]);
    await mine.remove();
  });

  it('lets concurrent sweepers remove each workspace exactly once', async () => {
    const work = mkdtempSync(join(root, 'work-'));
    const dead = await sleeper();
    const dirs = Array.from({ length: 12 }, (_, i) => fakeWorkspace(work, dead.owner, `many${i}`));
    await kill(dead.child);
    const results = await Promise.all([sweepWorkspaces(work), sweepWorkspaces(work), sweepWorkspaces(work)]);
    const removed = results.flatMap((r) => r.removed).sort();
    expect(removed).toEqual(dirs.map((d) => d.slice(work.length + 1)).sort());
    expect(readdirSync(work)).toEqual([]);
  });
});

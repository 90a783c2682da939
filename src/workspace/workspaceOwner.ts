import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who made a workspace, written into its directory name when it is created (so there is no moment
 * when a workspace exists without it): `<machine><boot>.<pid>.<start>`, where machine hashes the host
 * name and pid namespace (pids mean something only within one), boot hashes the kernel's boot id, and
 * start is the process's start time in clock ticks since boot (so a reused pid is not taken for the
 * owner). Format: 8 + 8 hex digits, then decimal pid and start.
 */
export interface WorkspaceOwner {
  machine: string;
  boot: string;
  pid: number;
  start: string;
}

const TAG = /([0-9a-f]{8})([0-9a-f]{8})\.(\d{1,10})\.(\d{1,20})/;

const hash8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

function readOr(read: () => string, fallback: string): string {
  try {
    return read().trim();
  } catch {
    return fallback;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export function processStartTicks(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let self: WorkspaceOwner | undefined;

/** This process as a workspace owner. */
export function currentOwner(): WorkspaceOwner {
  self ??= {
    machine: hash8(`${hostname()}\0${readOr(() => readlinkSync('/proc/self/ns/pid'), '')}`),
    boot: hash8(readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'), '')),
    pid: process.pid,
    start: processStartTicks('self') ?? '0',
  };
  return self;
}

export function formatOwnerTag(owner: WorkspaceOwner): string {
  return `${owner.machine}${owner.boot}.${owner.pid}.${owner.start}`;
}

/** The owner tag in a workspace directory's name; undefined for names without one. */
export function parseOwnerTag(name: string): WorkspaceOwner | undefined {
  const m = TAG.exec(name);
  if (!m) return undefined;
  return { machine: m[1]!, boot: m[2]!, pid: Number(m[3]), start: m[4]! };
}

/**
 * alive: the owner process still runs; gone: it does not (or the machine rebooted since); unknown:
 * another machine or pid namespace made it, and only that one can tell.
 */
export function ownerState(
  owner: WorkspaceOwner,
  me: WorkspaceOwner = currentOwner(),
): 'alive' | 'gone' | 'unknown' {
  if (owner.machine !== me.machine) return 'unknown';
  if (owner.boot !== me.boot) return 'gone';
  if (owner.pid === me.pid) return owner.start === me.start ? 'alive' : 'gone';
  const start = processStartTicks(owner.pid);
  if (start !== undefined) return start === owner.start || owner.start === '0' ? 'alive' : 'gone';
  // No such /proc entry: gone, unless /proc is not there at all (then ask the kernel directly).
  if (processStartTicks('self') !== undefined) return 'gone';
  try {
    process.kill(owner.pid, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'alive';
  }
}

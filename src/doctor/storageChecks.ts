import { constants } from 'node:fs';
import { access, readdir, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CheckResult } from './types.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A directory Drover writes to: writable (or creatable: its nearest existing parent is writable). */
export async function checkWritable(name: string, dir: string, variable: string): Promise<CheckResult> {
  let probe = dir;
  for (let i = 0; i < 64; i++) {
    const info = await stat(probe).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) {
        return {
          name,
          status: 'fail',
          detail: `${probe} is not a directory`,
          fix: `point ${variable} at a directory`,
        };
      }
      const ok = await access(probe, constants.W_OK | constants.X_OK).then(
        () => true,
        () => false,
      );
      if (!ok) {
        return {
          name,
          status: 'fail',
          detail: `${probe} is not writable by this user`,
          fix: `chown/chmod it, or point ${variable} elsewhere`,
        };
      }
      return { name, status: 'ok', detail: probe === dir ? `${dir} (writable)` : `${dir} (will be created)` };
    }
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  return { name, status: 'fail', detail: `no existing parent of ${dir}`, fix: `point ${variable} elsewhere` };
}

/** Free space where the store and the workspaces live: a clone needs room. */
export async function checkDisk(dirs: string[]): Promise<CheckResult> {
  const seen = new Map<string, number>();
  const devices = new Set<number>();
  for (const dir of dirs) {
    let probe = dir;
    while (!(await stat(probe).catch(() => undefined)) && dirname(probe) !== probe) probe = dirname(probe);
    const device = (await stat(probe).catch(() => undefined))?.dev;
    if (device === undefined || devices.has(device)) continue; // one line per filesystem
    devices.add(device);
    const fs = await statfs(probe).catch(() => undefined);
    if (fs) seen.set(dir, fs.bavail * fs.bsize);
  }
  if (seen.size === 0) return { name: 'disk', status: 'warn', detail: 'could not read free space' };
  const [dir, free] = [...seen.entries()].sort((a, b) => a[1] - b[1])[0]!;
  const text = [...seen.entries()].map(([d, f]) => `${human(f)} free at ${d}`).join(', ');
  if (free < 200 * MiB)
    return { name: 'disk', status: 'fail', detail: text, fix: `free space on the filesystem of ${dir}` };
  if (free < 2 * GiB) {
    return {
      name: 'disk',
      status: 'warn',
      detail: text,
      fix: `large repositories may not fit; free space at ${dir}`,
    };
  }
  return { name: 'disk', status: 'ok', detail: text };
}

/**
 * Job workspaces left in the work dir by runners that died. `running`: the short ids of jobs running
 * now (their workspaces are in use), undefined when the store could not be asked.
 */
export async function checkLeftoverWorkspaces(
  workDir: string,
  running: Set<string> | undefined,
): Promise<CheckResult> {
  const entries = await readdir(workDir).catch(() => [] as string[]);
  const workspaces = entries.filter((e) => /^drover-[0-9a-z]{8}-/.test(e));
  const leftover = workspaces.filter((w) => !running?.has(w.slice(7, 15)));
  if (leftover.length === 0) {
    return { name: 'workspaces', status: 'ok', detail: `none left over in ${workDir}` };
  }
  const shown = leftover.slice(0, 3).map((w) => join(workDir, w));
  return {
    name: 'workspaces',
    status: 'warn',
    detail: `${leftover.length} left over in ${workDir} (from runners that were killed)${running ? '' : '; the store could not be asked which jobs run'}`,
    fix: `remove them: rm -rf ${shown.join(' ')}${leftover.length > 3 ? ` … (${leftover.length - 3} more)` : ''}`,
  };
}

function human(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`;
}

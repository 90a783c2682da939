import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { UnsafeWorkspaceError } from '../errors.js';

// Reading what the agent left in its workspace without ever following a link it planted: every path
// component is lstat'ed, the last one is opened with O_NOFOLLOW (and O_NONBLOCK, so a FIFO cannot make
// Drover wait), and the opened file must still be the regular file lstat saw.

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** What an lstat result is, in words for an error message. */
export function kindOf(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isFile()) return 'a regular file';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'a special file';
}

/**
 * Checks that each directory from `base` down to `rel`'s parent is a real directory (not a link).
 * Returns false when one is missing; throws when one is anything else.
 */
export async function realParents(base: string, rel: string): Promise<boolean> {
  const parts = rel.split('/').slice(0, -1);
  let path = base;
  for (const part of parts) {
    path = join(path, part);
    const info = await lstatOrUndefined(path);
    if (!info) return false;
    if (!info.isDirectory()) throw unsafe(base, path, info, 'a directory');
  }
  return true;
}

/**
 * Opens `base/rel` for reading if it is a regular file reached through real directories only;
 * undefined when it does not exist. Anything else (a link, a FIFO, a device) is refused.
 */
export async function openRegular(base: string, rel: string): Promise<FileHandle | undefined> {
  if (!(await realParents(base, rel))) return undefined;
  const path = join(base, rel);
  const before = await lstatOrUndefined(path);
  if (!before) return undefined;
  if (!before.isFile()) throw unsafe(base, path, before, 'a regular file');
  const handle = await open(path, READ_FLAGS);
  const after = await handle.stat();
  if (!after.isFile() || after.ino !== before.ino || after.dev !== before.dev) {
    await handle.close();
    throw new UnsafeWorkspaceError(`${display(base, path)} changed while Drover was reading it.`);
  }
  return handle;
}

/** The text of a small regular file (see openRegular); undefined when absent. */
export async function readSmallRegular(
  base: string,
  rel: string,
  maxBytes: number,
): Promise<string | undefined> {
  const handle = await openRegular(base, rel);
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new UnsafeWorkspaceError(`${display(base, join(base, rel))} is larger than ${maxBytes} bytes.`);
    }
    return (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
}

function unsafe(base: string, path: string, info: Stats, expected: string): UnsafeWorkspaceError {
  return new UnsafeWorkspaceError(
    `${display(base, path)} is ${kindOf(info)}, not ${expected}; Drover does not follow links or read special files the agent left in the workspace.`,
  );
}

/** A path as the user knows it: relative to the workspace. */
function display(base: string, path: string): string {
  const rel = path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path;
  return rel || '.';
}

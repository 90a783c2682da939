import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** drover-cache.json inside a mirror: what `drover cache list` shows and what the health check compares. */
export const EntryMeta = z.object({
  url: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  /** Last full connectivity check (git fsck). */
  verifiedAt: z.string(),
  sizeBytes: z.number(),
  /** Every pack (name → size) as of the last fetch. */
  packs: z.record(z.string(), z.number()),
});
export type EntryMeta = z.infer<typeof EntryMeta>;

/**
 * Appended to a new mirror's config. Each fetch keeps its objects as a pack (no loose objects), so the
 * pack manifest accounts for every object; no automatic gc, which could delete packs while another
 * process copies them (Drover repacks under the lock instead); no reflogs.
 */
export const MIRROR_CONFIG = [
  '[fetch]',
  '\tunpackLimit = 1',
  '[transfer]',
  '\tunpackLimit = 1',
  '[gc]',
  '\tauto = 0',
  '[maintenance]',
  '\tauto = false',
  '[core]',
  '\tlogAllRefUpdates = false',
  '',
].join('\n');

export async function readMeta(repo: string): Promise<EntryMeta | undefined> {
  try {
    return EntryMeta.parse(JSON.parse(await readFile(join(repo, 'drover-cache.json'), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Pack file name → size, for the packs in the mirror now. */
export async function packManifest(repo: string): Promise<Record<string, number>> {
  const dir = join(repo, 'objects', 'pack');
  const packs: Record<string, number> = {};
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.pack')) packs[name] = (await stat(join(dir, name))).size;
  }
  return packs;
}

/**
 * Cheap health check run before every use: the mirror was created for this URL, its HEAD is sane,
 * and every pack recorded after the last fetch is still there, whole, with its index. Catches a
 * half-written entry, a garbage HEAD and deleted or truncated packs without reading any object.
 */
export async function entryProblem(repo: string, meta: EntryMeta, url: string): Promise<string | undefined> {
  if (meta.url !== url) return 'the entry belongs to another URL';
  const head = await readFile(join(repo, 'HEAD'), 'utf8').catch(() => '');
  if (!/^ref: refs\/heads\/[^\s]+\n?$/.test(head)) return 'HEAD is not a branch reference';
  const config = await stat(join(repo, 'config')).catch(() => undefined);
  if (!config?.isFile()) return 'config is missing';
  const dir = join(repo, 'objects', 'pack');
  for (const [name, size] of Object.entries(meta.packs)) {
    const pack = await stat(join(dir, name)).catch(() => undefined);
    if (pack?.size !== size) return pack ? `pack ${name} changed size` : `pack ${name} is missing`;
    const idx = await stat(join(dir, name.replace(/\.pack$/, '.idx'))).catch(() => undefined);
    if (!idx) return `index of pack ${name} is missing`;
  }
  return undefined;
}

/** Bytes used by a directory tree (a mirror holds a few dozen files). */
export async function treeSize(path: string): Promise<number> {
  let total = 0;
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += await treeSize(full);
    else total += (await stat(full).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

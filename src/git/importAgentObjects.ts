import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflate } from 'node:zlib';
import { UnsafeWorkspaceError } from '../errors.js';
import { lastLines } from './Git.js';
import type { RunnerRepo } from './RunnerRepo.js';
import { kindOf, lstatOrUndefined, openRegular } from './safeFs.js';

/** More loose objects than any agent makes by committing: the workspace is being used to flood the runner. */
const MAX_LOOSE_OBJECTS = 1_000_000;
const OBJECT_HEADER = /^(blob|tree|commit|tag) (\d+)$/;

export interface ImportCounts {
  loose: number;
  packs: number;
}

/**
 * Copies the objects the agent added to its workspace into the runner-owned repository. Only what is
 * needed is read: loose objects under `.git/objects/xx/` and packs under `.git/objects/pack/`, each a
 * regular file reached through real directories (a link or special file on the way is refused). A
 * loose object must inflate to the content its name hashes to; a pack is re-indexed by `git
 * index-pack`, which checks every object (its `.idx` is never trusted). Objects and packs the runner
 * already has are skipped by name. Alternates, info/, commit-graphs and the like are never read.
 */
export async function importAgentObjects(repo: RunnerRepo): Promise<ImportCounts> {
  const counts: ImportCounts = { loose: 0, packs: 0 };
  const objects = await realDirEntries(repo.workTree, '.git/objects');
  if (!objects) return counts;
  const looseName = new RegExp(`^[0-9a-f]{${repo.hexLength - 2}}$`);
  let seen = 0;
  for (const fan of objects) {
    if (!/^[0-9a-f]{2}$/.test(fan.name)) continue;
    const entries = (await realDirEntries(repo.workTree, `.git/objects/${fan.name}`)) ?? [];
    for (const entry of entries) {
      if (!looseName.test(entry.name)) continue;
      if (++seen > MAX_LOOSE_OBJECTS) {
        throw new UnsafeWorkspaceError(
          `The workspace holds more than ${MAX_LOOSE_OBJECTS} loose git objects.`,
        );
      }
      const to = join(repo.objectsDir, fan.name, entry.name);
      if (await lstatOrUndefined(to)) continue;
      await importLoose(repo, `.git/objects/${fan.name}/${entry.name}`, fan.name + entry.name, to);
      counts.loose++;
    }
  }
  const packs = (await realDirEntries(repo.workTree, '.git/objects/pack')) ?? [];
  for (const entry of packs) {
    if (!/^pack-[0-9a-f]{40,64}\.pack$/.test(entry.name)) continue;
    if (await lstatOrUndefined(join(repo.objectsDir, 'pack', entry.name))) continue;
    await importPack(repo, `.git/objects/pack/${entry.name}`);
    counts.packs++;
  }
  return counts;
}

/** The entries of a directory under the workspace that must be a real one; undefined when absent. */
async function realDirEntries(workTree: string, rel: string): Promise<Dirent[] | undefined> {
  const info = await lstatOrUndefined(join(workTree, rel));
  if (!info) return undefined;
  if (!info.isDirectory()) {
    throw new UnsafeWorkspaceError(
      `${rel} is ${kindOf(info)}, not a directory; Drover does not follow links the agent left in .git.`,
    );
  }
  return readdir(join(workTree, rel), { withFileTypes: true });
}

/** Copies one loose object, checking on the way that it inflates to what its name hashes to. */
async function importLoose(repo: RunnerRepo, rel: string, oid: string, to: string): Promise<void> {
  const source = await openRegular(repo.workTree, rel);
  if (!source) return; // gone since the listing
  await mkdir(join(to, '..'), { recursive: true });
  const tmp = join(to, '..', `tmp_obj_${randomBytes(6).toString('hex')}`);
  const out = await open(tmp, 'wx', 0o444);
  const hash = createHash(repo.format === 'sha256' ? 'sha256' : 'sha1');
  let header: Buffer | undefined;
  let pending = Buffer.alloc(0);
  let bodyBytes = 0;
  try {
    await pipeline(
      source.createReadStream({ autoClose: false }),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          await out.write(chunk);
          yield chunk;
        }
      },
      createInflate(),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          if (header) bodyBytes += chunk.length;
          else {
            pending = Buffer.concat([pending, chunk]);
            const nul = pending.indexOf(0);
            if (nul >= 0) {
              header = pending.subarray(0, nul);
              bodyBytes = pending.length - nul - 1;
            } else if (pending.length > 64) return done(new Error('no object header'));
          }
          done();
        },
      }),
    );
    const parsed = header ? OBJECT_HEADER.exec(header.toString('latin1')) : null;
    if (!parsed || Number(parsed[2]) !== bodyBytes) throw new Error('bad object header or size');
    if (hash.digest('hex') !== oid) throw new Error('its content does not match its name');
    await out.close();
    await rename(tmp, to);
  } catch (err) {
    await out.close().catch(() => {});
    await rm(tmp, { force: true });
    if (err instanceof UnsafeWorkspaceError) throw err;
    throw new UnsafeWorkspaceError(`${rel} is not a valid git object (${(err as Error).message}).`, {
      cause: err,
    });
  } finally {
    await source.close();
  }
}

/** Copies a pack and has git index (and so verify) it; the pack's own .idx is never used. */
async function importPack(repo: RunnerRepo, rel: string): Promise<void> {
  const source = await openRegular(repo.workTree, rel);
  if (!source) return;
  const packDir = join(repo.objectsDir, 'pack');
  const tmp = join(packDir, `tmp_import_${randomBytes(6).toString('hex')}`);
  try {
    // A path-based stream that closes itself: FileHandle.close() waits forever after a handle's
    // write stream that was told not to close it.
    await pipeline(
      source.createReadStream({ autoClose: false }),
      createWriteStream(`${tmp}.pack`, { flags: 'wx', mode: 0o444 }),
    );
    const res = await repo.run(['index-pack', `${tmp}.pack`], { allowFailure: true });
    const name = res.stdout.trim();
    if (res.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(name)) {
      throw new UnsafeWorkspaceError(`${rel} is not a valid git pack: ${lastLines(res.stderr)}`);
    }
    const final = join(packDir, `pack-${name}`);
    if (await lstatOrUndefined(`${final}.pack`)) return; // the same objects under their real name
    // Newer git also writes a reverse index; the pack goes last, so git never sees it without its index.
    await rename(`${tmp}.rev`, `${final}.rev`).catch(() => {});
    await rename(`${tmp}.idx`, `${final}.idx`);
    await rename(`${tmp}.pack`, `${final}.pack`);
  } finally {
    await source.close();
    for (const ext of ['pack', 'idx', 'rev']) await rm(`${tmp}.${ext}`, { force: true });
  }
}

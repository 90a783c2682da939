import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type ArtifactBody,
  type ArtifactInfo,
  type ArtifactStore,
  artifactNameProblem,
  assertArtifactName,
  assertJobId,
  contentTypeFor,
} from './types.js';

/** Artifacts as files under <root>/<jobId>/ (root defaults to <dataDir>/artifacts). */
export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  dirFor(jobId: string): string {
    assertJobId(jobId);
    return join(this.root, jobId);
  }

  async put(jobId: string, name: string, body: Buffer | string): Promise<void> {
    assertArtifactName(name);
    const dir = this.dirFor(jobId);
    await mkdir(dir, { recursive: true });
    // Write then rename: a reader never sees half a file.
    const tmp = join(dir, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, body);
    await rename(tmp, join(dir, name));
  }

  async list(jobId: string): Promise<ArtifactInfo[]> {
    const dir = this.dirFor(jobId);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const out: ArtifactInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || artifactNameProblem(entry.name)) continue;
      const info = await stat(join(dir, entry.name)).catch(() => undefined);
      if (!info) continue;
      out.push({
        name: entry.name,
        size: info.size,
        modifiedAt: info.mtime.toISOString(),
        contentType: contentTypeFor(entry.name),
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async open(jobId: string, name: string): Promise<ArtifactBody | undefined> {
    assertArtifactName(name);
    const path = join(this.dirFor(jobId), name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return { stream: createReadStream(path), size: info.size, contentType: contentTypeFor(name) };
  }

  async importDir(jobId: string, dir: string): Promise<void> {
    const target = this.dirFor(jobId);
    if (resolve(dir) === target) return;
    await mkdir(target, { recursive: true });
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isFile() && !artifactNameProblem(entry.name))
        await copyFile(join(dir, entry.name), join(target, entry.name));
    }
  }
}

import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { openArtifactStore } from '../artifacts/openArtifactStore.js';
import { type ArtifactStore, assertArtifactName } from '../artifacts/types.js';
import { NotFoundError } from '../errors.js';
import { EXIT } from './exitCodes.js';
import { mustGetJob } from './status.js';
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from './storeOptions.js';

interface ArtifactsFlags extends StoreFlags {
  get?: string;
  out?: string;
  json?: boolean;
}

export function registerArtifacts(program: Command): void {
  const cmd = program
    .command('artifacts <id>')
    .description('list a job’s artifacts (diff, log, transcript, reports, result.json) or download them')
    .option('--get <name>', 'print this artifact on stdout (or save it into --out)')
    .option('--out <dir>', 'save the artifact given with --get, or all of them, into this directory')
    .option('--json', 'list as JSON');
  addStoreOptions(cmd).action(async (id: string, flags: ArtifactsFlags) => {
    if (flags.get !== undefined) assertArtifactName(flags.get, '--get');
    const { store, settings } = await openStoreFromFlags(flags);
    try {
      await mustGetJob(store, id);
    } finally {
      await store.close();
    }
    const artifacts = openArtifactStore(process.env, settings.dataDir);
    if (flags.get !== undefined) await download(artifacts, id, flags.get, flags.out);
    else if (flags.out !== undefined) {
      for (const a of await artifacts.list(id)) await download(artifacts, id, a.name, flags.out);
    } else {
      const list = await artifacts.list(id);
      if (flags.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else if (list.length === 0) process.stdout.write(`Job ${id} has no artifacts (yet)\n`);
      else
        for (const a of list)
          process.stdout.write(`${a.name.padEnd(24)} ${String(a.size).padStart(10)}  ${a.modifiedAt}\n`);
    }
    process.exitCode = EXIT.ok;
  });
}

async function download(
  store: ArtifactStore,
  id: string,
  name: string,
  outDir: string | undefined,
): Promise<void> {
  const body = await store.open(id, name);
  if (!body) {
    const names = (await store.list(id)).map((a) => a.name);
    throw new NotFoundError(
      `Job ${id} has no artifact "${name}"${names.length ? ` (it has: ${names.join(', ')})` : ''}.`,
    );
  }
  if (outDir === undefined) {
    await pipeline(body.stream, process.stdout, { end: false });
    return;
  }
  await mkdir(outDir, { recursive: true });
  const path = join(resolve(outDir), name);
  await pipeline(body.stream, createWriteStream(path));
  process.stdout.write(`${path}\n`);
}

import { join } from 'node:path';
import type { Command } from 'commander';
import { formatBytes, parseBytes } from '../config/bytes.js';
import { loadRunnerConfig } from '../config/RunnerConfig.js';
import { InvalidInputError } from '../errors.js';
import { type CacheEntryInfo, RepoCache } from '../workspace/RepoCache.js';
import { defaultWorkRoot } from '../workspace/Workspace.js';
import { EXIT } from './exitCodes.js';

interface CacheFlags {
  dataDir?: string;
  json?: boolean;
  all?: boolean;
  maxBytes?: string;
}

/** `drover cache list|prune`: the per-repo mirrors under <data-dir>/cache. */
export function registerCache(program: Command): void {
  const cache = program.command('cache').description('the repo mirror cache that workspaces are made from');
  cache
    .command('list')
    .description('list cached mirrors, most recently used first')
    .option(
      '--data-dir <dir>',
      'data directory (env DROVER_DATA_DIR; default ./.drover if it exists, else ~/.local/share/drover)',
    )
    .option('--json', 'print the entries as JSON')
    .action(async (flags: CacheFlags) => {
      const entries = await openCache(flags).list();
      print(entries, flags.json, `${entries.length} mirror(s)`);
    });
  cache
    .command('prune')
    .description('remove least recently used mirrors above the size limit (mirrors in use are kept)')
    .option(
      '--data-dir <dir>',
      'data directory (env DROVER_DATA_DIR; default ./.drover if it exists, else ~/.local/share/drover)',
    )
    .option('--max-bytes <size>', 'keep at most this much, e.g. 2G (default DROVER_CACHE_MAX_BYTES)')
    .option('--all', 'remove every mirror not in use')
    .option('--json', 'print the removed entries as JSON')
    .action(async (flags: CacheFlags) => {
      let limit: number | undefined;
      if (flags.all) limit = 0;
      else if (flags.maxBytes !== undefined) {
        try {
          limit = parseBytes(flags.maxBytes);
        } catch (err) {
          const message = (err as Error).message;
          throw new InvalidInputError(`--max-bytes: ${message}`, [{ path: '--max-bytes', message }]);
        }
      }
      const removed = await openCache(flags).prune(limit);
      print(removed, flags.json, `removed ${removed.length} mirror(s)`);
    });
}

function openCache(flags: CacheFlags): RepoCache {
  const config = loadRunnerConfig(process.env, flags.dataDir ? { dataDir: flags.dataDir } : {});
  // Spares of a removed mirror go with it.
  const spareDir = join(config.workDir ?? defaultWorkRoot(), '.spares');
  return new RepoCache({ dir: config.cache!.dir, maxBytes: config.cache!.maxBytes, spareDir });
}

function print(entries: CacheEntryInfo[], json: boolean | undefined, summary: string): void {
  if (json) process.stdout.write(`${JSON.stringify(entries)}\n`);
  else {
    for (const e of entries) {
      process.stdout.write(`${formatBytes(e.sizeBytes).padStart(10)}  ${e.lastUsedAt}  ${e.url}\n`);
    }
    const total = entries.reduce((sum, e) => sum + e.sizeBytes, 0);
    process.stdout.write(`${summary}, ${formatBytes(total)}\n`);
  }
  process.exitCode = EXIT.ok;
}

import type { Command } from 'commander';
import { followOutput } from '../store/followOutput.js';
import { colorFor } from './colorMode.js';
import { EXIT } from './exitCodes.js';
import { formatEntry } from './formatEntry.js';
import { mustGetJob } from './status.js';
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from './storeOptions.js';

export function registerLogs(program: Command): void {
  const cmd = program
    .command('logs <id>')
    .description('print a job’s output (masked)')
    .option('-f, --follow', 'keep printing new output until the job ends')
    .option('--after <seq>', 'only entries after this sequence number', '0')
    .option('--json', 'one JSON object per entry (seq, ts, stream, line, type, data)');
  addStoreOptions(cmd).action(
    async (id: string, flags: StoreFlags & { follow?: boolean; after: string; json?: boolean }) => {
      const { store } = await openStoreFromFlags(flags);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        await mustGetJob(store, id);
        const color = colorFor(process.stdout);
        for await (const entry of followOutput(store, id, {
          afterSeq: Number(flags.after) || 0,
          follow: flags.follow === true,
          signal: controller.signal,
        })) {
          if (flags.json) process.stdout.write(`${JSON.stringify(entry)}\n`);
          else if (entry.type !== 'end') process.stdout.write(`${formatEntry(entry, color)}\n`);
        }
        process.exitCode = EXIT.ok;
      } finally {
        process.off('SIGINT', stop);
        await store.close();
      }
    },
  );
}

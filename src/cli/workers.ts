import type { Command } from 'commander';
import { EXIT } from './exitCodes.js';
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from './storeOptions.js';

export function registerWorkers(program: Command): void {
  const cmd = program.command('workers').description('list live runners').option('--json', 'print as JSON');
  addStoreOptions(cmd).action(async (flags: StoreFlags & { json?: boolean }) => {
    const { store } = await openStoreFromFlags(flags);
    try {
      const runners = await store.listRunners();
      if (flags.json) process.stdout.write(`${JSON.stringify(runners)}\n`);
      else {
        for (const r of runners) {
          process.stdout.write(
            `${r.id}  ${r.host} pid ${r.pid}  since ${r.startedAt}  ${r.jobs.length}/${r.concurrency} jobs ${r.jobs.join(' ')}\n`,
          );
        }
        if (runners.length === 0) process.stdout.write('no live runners\n');
      }
      process.exitCode = EXIT.ok;
    } finally {
      await store.close();
    }
  });
}

import type { Command } from 'commander';
import { isTerminal } from '../jobs/JobStatus.js';
import { EXIT } from './exitCodes.js';
import { mustGetJob } from './status.js';
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from './storeOptions.js';

export function registerCancel(program: Command): void {
  const cmd = program.command('cancel <id>').description('cancel a queued or running job (any machine)');
  addStoreOptions(cmd).action(async (id: string, flags: StoreFlags) => {
    const { store } = await openStoreFromFlags(flags);
    try {
      const before = await mustGetJob(store, id);
      if (isTerminal(before.status)) {
        process.stdout.write(`Job ${id} already ended: ${before.status}\n`);
        process.exitCode = EXIT.ok;
        return;
      }
      const job = (await store.requestCancel(id))!;
      process.stdout.write(
        job.status === 'cancelled'
          ? `Job ${id} cancelled\n`
          : `Cancel requested; the runner of job ${id} will stop it\n`,
      );
      process.exitCode = EXIT.ok;
    } finally {
      await store.close();
    }
  });
}

import type { Command } from 'commander';
import { NotFoundError } from '../errors.js';
import type { JobStore } from '../store/types.js';
import { EXIT } from './exitCodes.js';
import { describeJob, jobJson } from './printJob.js';
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from './storeOptions.js';

export function registerStatus(program: Command): void {
  const cmd = program
    .command('status <id>')
    .description('show a job')
    .option('--json', 'print the job record as JSON');
  addStoreOptions(cmd).action(async (id: string, flags: StoreFlags & { json?: boolean }) => {
    const { store } = await openStoreFromFlags(flags);
    try {
      const job = await mustGetJob(store, id);
      process.stdout.write(flags.json ? `${jobJson(job)}\n` : `${describeJob(job)}\n`);
      process.exitCode = EXIT.ok;
    } finally {
      await store.close();
    }
  });
}

export async function mustGetJob(store: JobStore, id: string) {
  const job = await store.get(id);
  if (!job) throw new NotFoundError(`No job with id ${id}.`);
  return job;
}

import type { Command } from 'commander';
import { assertLocalRepoAllowed } from '../jobs/localRepoAccess.js';
import { resolveJobSpec } from '../jobs/resolveJobSpec.js';
import { EXIT } from './exitCodes.js';
import { jobJson } from './printJob.js';
import { addSpecOptions, type SpecFlags, specFromFlags } from './specOptions.js';
import { addStoreOptions, configFromFlags, openFromFlags, type StoreFlags } from './storeOptions.js';

export function registerSubmit(program: Command): void {
  const cmd = program
    .command('submit')
    .description('queue a job for workers (prints its id)')
    .option('--json', 'print the queued job record as JSON');
  addStoreOptions(addSpecOptions(cmd)).action(async (flags: SpecFlags & StoreFlags & { json?: boolean }) => {
    const config = configFromFlags(flags);
    const spec = resolveJobSpec(await specFromFlags(flags), config.repoDefaults);
    // The data and work dirs are refused here already; the rest of the policy is the runner's.
    await assertLocalRepoAllowed(spec.repo, { trusted: true, policy: config.localRepos });
    const { store } = await openFromFlags(flags, config);
    try {
      const job = await store.enqueue(spec, { source: { intake: 'cli' } });
      process.stdout.write(flags.json ? `${jobJson(job)}\n` : `${job.id}\n`);
      process.exitCode = EXIT.ok;
    } finally {
      await store.close();
    }
  });
}

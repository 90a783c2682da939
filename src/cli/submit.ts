import type { Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { InvalidInputError } from '../errors.js';
import { assertLocalRepoAllowed } from '../jobs/localRepoAccess.js';
import { resolveJobSpec } from '../jobs/resolveJobSpec.js';
import { enqueueWithRetry } from '../store/enqueueWithRetry.js';
import { checkLocalRepo } from './checkLocalRepo.js';
import { configFromFlags, openFromFlags } from './configFromFlags.js';
import { EXIT } from './exitCodes.js';
import { jobJson } from './printJob.js';
import { addSpecOptions, type SpecFlags, specFromFlags } from './specOptions.js';
import { addStoreOptions, type StoreFlags } from './storeOptions.js';

interface SubmitFlags extends SpecFlags, StoreFlags {
  json?: boolean;
  wait: string;
}

export function registerSubmit(program: Command): void {
  const cmd = program
    .command('submit')
    .description('queue a job for workers (prints its id)')
    .option('--json', 'print the queued job record as JSON')
    .option(
      '--wait <duration>',
      'keep retrying this long while the store is unreachable (a Redis restart); 0s: try once',
      '15s',
    );
  addStoreOptions(addSpecOptions(cmd)).action(async (flags: SubmitFlags) => {
    const waitMs = parseWait(flags.wait);
    const config = configFromFlags(flags);
    const spec = resolveJobSpec(await specFromFlags(flags), config.repoDefaults);
    // The data and work dirs are refused here already; the rest of the policy is the runner's.
    await assertLocalRepoAllowed(spec.repo, { trusted: true, policy: config.localRepos });
    await checkLocalRepo(spec);
    let told = false;
    const job = await enqueueWithRetry(async () => (await openFromFlags(flags, config)).store, spec, {
      source: { intake: 'cli' },
      waitMs,
      onRetry: (err) => {
        if (told) return;
        told = true;
        process.stderr.write(`drover: ${err.message}; retrying for up to ${flags.wait}\n`);
      },
    });
    process.stdout.write(flags.json ? `${jobJson(job)}\n` : `${job.id}\n`);
    process.exitCode = EXIT.ok;
  });
}

function parseWait(value: string): number {
  try {
    return parseDuration(value, { allowZero: true });
  } catch (err) {
    throw new InvalidInputError(`--wait: ${(err as Error).message}`, [
      { path: '--wait', message: (err as Error).message },
    ]);
  }
}

import type { Command } from 'commander';
import { formatDuration } from '../config/duration.js';
import { InvalidInputError } from '../errors.js';
import { publicJob } from '../jobs/JobRecord.js';
import { isJobStatus, JOB_STATUSES } from '../jobs/JobStatus.js';
import { EXIT } from './exitCodes.js';
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from './storeOptions.js';
import { sanitizeForTerminal } from './TerminalSanitizer.js';

interface ListFlags extends StoreFlags {
  status?: string;
  repo?: string;
  limit: string;
  cursor?: string;
  json?: boolean;
}

export function registerList(program: Command): void {
  const cmd = program
    .command('list')
    .description('list jobs, newest first')
    .option('--status <status>', `only this status (${JOB_STATUSES.join(', ')})`)
    .option('--repo <repo>', 'only this repo')
    .option('--limit <n>', 'how many', '50')
    .option('--cursor <cursor>', 'continue after a previous page')
    .option('--json', 'print {jobs, nextCursor} as JSON');
  addStoreOptions(cmd).action(async (flags: ListFlags) => {
    const status = flags.status;
    if (status !== undefined && !isJobStatus(status)) {
      const message = `must be one of ${JOB_STATUSES.join(', ')}`;
      throw new InvalidInputError(`--status: ${message}`, [{ path: '--status', message }]);
    }
    const { store } = await openStoreFromFlags(flags);
    try {
      const page = await store.list({
        ...(status ? { status } : {}),
        ...(flags.repo ? { repo: flags.repo } : {}),
        limit: Number(flags.limit) || 50,
        ...(flags.cursor ? { cursor: flags.cursor } : {}),
      });
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ jobs: page.jobs.map(publicJob), nextCursor: page.nextCursor })}\n`,
        );
      } else {
        for (const job of page.jobs) {
          const duration = job.durationMs !== null ? formatDuration(job.durationMs) : '';
          const cost = job.costUsd !== null ? `$${job.costUsd.toFixed(2)}` : '';
          process.stdout.write(
            `${job.id}  ${job.status.padEnd(11)} ${job.agent.padEnd(8)} ${duration.padEnd(8)} ${cost.padEnd(7)} ${sanitizeForTerminal(job.repo, false)}\n`,
          );
        }
        if (page.nextCursor) process.stdout.write(`(more: --cursor ${page.nextCursor})\n`);
      }
      process.exitCode = EXIT.ok;
    } finally {
      await store.close();
    }
  });
}

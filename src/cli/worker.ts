import type { Command } from 'commander';
import { type DeliveryFlags, deliveryEnvFromFlags, withDeliveryEnv } from '../delivery/DeliveryConfig.js';
import { InvalidInputError } from '../errors.js';
import { startModelGateway } from '../gateway/startModelGateway.js';
import { createLogger } from '../log/logger.js';
import { Runner } from '../runner/Runner.js';
import { userGitTokenOption } from '../secrets/userGitTokens.js';
import { userModelKeysOption } from '../secrets/userModelKeys.js';
import { addDeliveryOptions } from './deliveryOptions.js';
import { EXIT } from './exitCodes.js';
import { parseDrainTimeout } from './parseDrainTimeout.js';
import { addStoreOptions, openFromFlags, type StoreFlags } from './storeOptions.js';

interface WorkerFlags extends StoreFlags, DeliveryFlags {
  concurrency: string;
  drainTimeout: string;
}

export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('claim and run queued jobs until stopped (SIGINT/SIGTERM drains)')
    .option('--concurrency <n>', 'jobs at a time', '1')
    .option(
      '--drain-timeout <duration>',
      'on shutdown, let in-flight jobs finish this long, then re-queue them',
      '5m',
    )
    .option(
      '--git-token-env <name>',
      'read the git token from this environment variable (default DROVER_GIT_TOKEN)',
    );
  addDeliveryOptions(addStoreOptions(cmd)).action(async (flags: WorkerFlags) => {
    const concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new InvalidInputError('--concurrency: must be a whole number from 1 to 256', [
        { path: 'concurrency', message: 'must be a whole number from 1 to 256' },
      ]);
    }
    const drainMs = parseDrainTimeout(flags.drainTimeout);
    const deliveryEnv = deliveryEnvFromFlags(flags);
    const { store, config } = await openFromFlags(flags);
    const logger = createLogger();
    const gateway = await startModelGateway({
      env: process.env,
      logger,
      ...userModelKeysOption(store),
    }).catch(async (err) => {
      await store.close();
      throw err;
    });
    const runner = new Runner(store, withDeliveryEnv(config, deliveryEnv), logger, {
      concurrency,
      ...userGitTokenOption(store, config),
      ...(gateway ? { modelAccess: gateway.access } : {}),
    });
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      logger.info(
        { signal: sig, inFlight: runner.jobsInFlight },
        signals === 1 ? 'draining' : 'stopping now',
      );
      void runner.stop(signals === 1 ? drainMs : 0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await runner.start();
    await gateway?.close();
    await store.close();
    process.exitCode = runner.interrupted > 0 ? EXIT.failed : EXIT.ok;
  });
}

import type { Command } from 'commander';
import { type DeliveryFlags, deliveryEnvFromFlags, withDeliveryEnv } from '../delivery/DeliveryConfig.js';
import { InvalidInputError } from '../errors.js';
import { loadForgeCredentials } from '../forge/ForgeConfig.js';
import { forgeJobCredentials } from '../forge/forgeJobCredentials.js';
import { startModelGateway } from '../gateway/startModelGateway.js';
import { createLogger } from '../log/logger.js';
import { Runner } from '../runner/Runner.js';
import { userGitTokenOption } from '../secrets/userGitTokens.js';
import { userModelKeysOption } from '../secrets/userModelKeys.js';
import { CALLBACK_DRAIN_MS, callbackNotifier } from './callbackNotifier.js';
import { openFromFlags } from './configFromFlags.js';
import { addDeliveryOptions } from './deliveryOptions.js';
import { EXIT } from './exitCodes.js';
import { parseDrainTimeout } from './parseDrainTimeout.js';
import { startPlanOrchestrator } from './planOrchestrator.js';
import { openPlansFromFlags } from './planStores.js';
import { shutdownNotice, stoppedNotice } from './shutdownNotice.js';
import { addStoreOptions, type StoreFlags } from './storeOptions.js';

interface WorkerFlags extends StoreFlags, DeliveryFlags {
  concurrency: string;
  drainTimeout: string;
  plans: boolean;
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
    )
    .option('--no-plans', 'run no plan orchestrator in this process (env DROVER_PLANS=off)');
  addDeliveryOptions(addStoreOptions(cmd)).action(async (flags: WorkerFlags) => {
    const concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new InvalidInputError('--concurrency: must be a whole number from 1 to 256', [
        { path: 'concurrency', message: 'must be a whole number from 1 to 256' },
      ]);
    }
    const drainMs = parseDrainTimeout(flags.drainTimeout);
    const deliveryEnv = deliveryEnvFromFlags(flags);
    const forgeCreds = loadForgeCredentials({ ...process.env, ...deliveryEnv });
    const logger = createLogger();
    const callbacks = callbackNotifier(logger);
    const { store, config } = await openFromFlags(flags);
    const plans = await openPlansFromFlags(flags);
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
      observer: callbacks,
      // Forge jobs: tokens minted for their repository (GitHub App) or the forge's token.
      resolveGitToken: forgeJobCredentials(
        forgeCreds,
        userGitTokenOption(store, config).resolveGitToken,
        config.gitToken,
      ),
      ...(gateway ? { modelAccess: gateway.access } : {}),
    });
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      const inFlight = runner.jobsInFlight;
      logger[signals === 1 ? 'info' : 'warn'](
        { signal: sig, inFlight },
        shutdownNotice(sig, signals, inFlight.length, flags.drainTimeout),
      );
      void stopPlans().finally(() => runner.stop(signals === 1 ? drainMs : 0));
    };
    const stopPlans = await startPlanOrchestrator(plans, store, config, logger, flags.plans);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await runner.start();
    await callbacks.drain(signals > 1 ? 0 : CALLBACK_DRAIN_MS);
    await stopPlans();
    await plans.close();
    await gateway?.close();
    await store.close();
    logger.info({ requeued: runner.interrupted }, stoppedNotice(runner.interrupted));
    process.exitCode = runner.interrupted > 0 ? EXIT.failed : EXIT.ok;
  });
}

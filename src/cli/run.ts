import type { Command } from 'commander';
import { type DeliveryFlags, deliveryEnvFromFlags, withDeliveryEnv } from '../delivery/DeliveryConfig.js';
import { CancelledError } from '../errors.js';
import { startModelGateway } from '../gateway/startModelGateway.js';
import { assertLocalRepoAllowed } from '../jobs/localRepoAccess.js';
import { resolveJobSpec } from '../jobs/resolveJobSpec.js';
import { createLogger } from '../log/logger.js';
import { Runner } from '../runner/Runner.js';
import { userGitTokenOption } from '../secrets/userGitTokens.js';
import { userModelKeysOption } from '../secrets/userModelKeys.js';
import { CALLBACK_DRAIN_MS, callbackNotifier } from './callbackNotifier.js';
import { checkLocalRepo } from './checkLocalRepo.js';
import { keepRunningWhenOutputCloses } from './closedPipe.js';
import { configFromFlags, openFromFlags } from './configFromFlags.js';
import { addDeliveryOptions } from './deliveryOptions.js';
import { EXIT } from './exitCodes.js';
import { parseDrainTimeout } from './parseDrainTimeout.js';
import { describeJob, jobJson } from './printJob.js';
import { addSpecOptions, type SpecFlags, specFromFlags } from './specOptions.js';
import { addStoreOptions, type StoreFlags } from './storeOptions.js';
import { TerminalRenderer } from './TerminalRenderer.js';

interface RunFlags extends SpecFlags, StoreFlags, DeliveryFlags {
  json?: boolean;
  drainTimeout?: string;
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('run one job now, in this process, and watch it live')
    .option('--json', 'print only the final job record as JSON on stdout (live output goes to stderr)')
    .option(
      '--git-token-env <name>',
      'read the git token from this environment variable (default DROVER_GIT_TOKEN)',
    )
    .option(
      '--drain-timeout <duration>',
      'on SIGINT/SIGTERM, let the job finish this long before stopping it',
      '0s',
    );
  addDeliveryOptions(addStoreOptions(addSpecOptions(cmd))).action(async (flags: RunFlags) => {
    process.exitCode = await run(flags);
  });
}

async function run(flags: RunFlags): Promise<number> {
  const initialConfig = configFromFlags(flags);
  const spec = resolveJobSpec(await specFromFlags(flags), initialConfig.repoDefaults);
  await assertLocalRepoAllowed(spec.repo, { trusted: true, policy: initialConfig.localRepos });
  await checkLocalRepo(spec);
  const drainMs = parseDrainTimeout(flags.drainTimeout ?? '0s');
  // `drover run … | head`: the job goes on to its end (and its exit code) with the output dropped.
  keepRunningWhenOutputCloses();
  const deliveryEnv = deliveryEnvFromFlags(flags);
  const logger = createLogger(process.env.DROVER_LOG_LEVEL ?? 'warn');
  const callbacks = callbackNotifier(logger);
  const { store, config } = await openFromFlags(flags, initialConfig);
  const gateway = await startModelGateway({ env: process.env, logger, ...userModelKeysOption(store) }).catch(
    async (err) => {
      await store.close();
      throw err;
    },
  );
  const renderer = new TerminalRenderer(flags.json ? process.stderr : process.stdout);
  const runner = new Runner(store, withDeliveryEnv(config, deliveryEnv), logger, {
    onOutput: renderer.entry,
    ...userGitTokenOption(store, config),
    observer: callbacks,
    ...(gateway ? { modelAccess: gateway.access } : {}),
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    renderer.line(
      signals === 1 ? `Received ${sig}: stopping the job…` : `Received ${sig} again: stopping now`,
      'yellow',
    );
    void runner.stop(
      signals === 1 ? drainMs : 0,
      new CancelledError(`Drover was interrupted (${sig}) before the job finished.`),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { job } = await runner.runNew(spec, { source: { intake: 'cli' } }, (claimed) =>
      renderer.line(`Job ${claimed.id} → ${claimed.branch}`, 'bold'),
    );
    renderer.stop();
    const final = (await store.get(job.id))!;
    if (flags.json) process.stdout.write(`${jobJson(final)}\n`);
    else renderer.line(`\n${describeJob(final)}`);
    if (signals > 0) return EXIT.failed;
    return final.status === 'succeeded' ? EXIT.ok : EXIT.failed;
  } finally {
    renderer.stop();
    await callbacks.drain(signals > 1 ? 0 : CALLBACK_DRAIN_MS);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await gateway?.close();
    await store.close();
  }
}

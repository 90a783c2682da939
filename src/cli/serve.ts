import type { Command } from 'commander';
import { z } from 'zod';
import { buildServer } from '../api/buildServer.js';
import { JobEventHub } from '../api/JobEventHub.js';
import { ServerMetrics } from '../api/ServerMetrics.js';
import { openArtifactStore } from '../artifacts/openArtifactStore.js';
import { ConfigError, InvalidInputError } from '../errors.js';
import { loadForgeCredentials } from '../forge/ForgeConfig.js';
import { forgeJobCredentials } from '../forge/forgeJobCredentials.js';
import { startForge } from '../forge/startForge.js';
import { startModelGateway } from '../gateway/startModelGateway.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { createLogger } from '../log/logger.js';
import { planRoutes } from '../plans/api/planRoutes.js';
import { Runner } from '../runner/Runner.js';
import { userGitTokenOption } from '../secrets/userGitTokens.js';
import { userModelKeysOption } from '../secrets/userModelKeys.js';
import { CALLBACK_DRAIN_MS, callbackNotifier } from './callbackNotifier.js';
import { openFromFlags } from './configFromFlags.js';
import { EXIT } from './exitCodes.js';
import { parseDrainTimeout } from './parseDrainTimeout.js';
import { startPlanOrchestrator } from './planOrchestrator.js';
import { openPlansFromFlags } from './planStores.js';
import { serveAccess } from './serveAccess.js';
import { shutdownNotice, stoppedNotice } from './shutdownNotice.js';
import { addStoreOptions, type StoreFlags } from './storeOptions.js';
import { version } from './version.js';

interface ServeFlags extends StoreFlags {
  host: string;
  port: string;
  concurrency: string;
  workers: boolean;
  drainTimeout: string;
  apiTokenFile?: string;
  rateLimit: string;
  plans: boolean;
}

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const ServeOptions = z.object({
  host: z.string().min(1, 'must not be empty').max(255),
  port: whole(0, 65535),
  concurrency: whole(1, 256),
  rateLimit: whole(1, 100_000),
});

function parseServeFlags(flags: ServeFlags): z.output<typeof ServeOptions> {
  const result = ServeOptions.safeParse(flags);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new InvalidInputError(issues.map((i) => `--${i.path}: ${i.message}`).join('; '), issues);
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('HTTP API, live dashboard and embedded workers in one process')
    .option(
      '--host <address>',
      'address to listen on (env DROVER_HOST)',
      process.env.DROVER_HOST ?? '127.0.0.1',
    )
    .option(
      '--port <n>',
      'port to listen on, 0 for any free port (env DROVER_PORT)',
      process.env.DROVER_PORT ?? '7700',
    )
    .option('--concurrency <n>', 'jobs the embedded workers run at a time', '2')
    .option('--no-workers', 'run no embedded workers (workers run elsewhere, e.g. with --redis)')
    .option(
      '--drain-timeout <duration>',
      'on shutdown, let running jobs finish this long, then re-queue them',
      '5m',
    )
    .option('--api-token-file <file>', 'API bearer tokens, one per line (env DROVER_API_TOKEN_FILE)')
    .option(
      '--rate-limit <n>',
      'job creations per client per minute (env DROVER_API_RATE_LIMIT)',
      process.env.DROVER_API_RATE_LIMIT ?? '60',
    )
    .option(
      '--git-token-env <name>',
      'read the git token from this environment variable (default DROVER_GIT_TOKEN)',
    )
    .option('--no-plans', 'run no plan orchestrator in this process (env DROVER_PLANS=off)');
  addStoreOptions(cmd).action(async (flags: ServeFlags) => {
    const opts = parseServeFlags(flags);
    const drainMs = parseDrainTimeout(flags.drainTimeout);
    const { store, config } = await openFromFlags(flags);
    const access = await serveAccess(opts.host, config.dataDir, flags.apiTokenFile).catch(async (err) => {
      await store.close();
      throw err;
    });
    const { auth } = access;
    const logger = createLogger();
    const callbacks = callbackNotifier(logger);
    const plans = await openPlansFromFlags(flags);
    const metrics = new ServerMetrics(store, logger);
    // Forge intake: webhooks, forge state, reporter; its jobs get tokens minted for their repository.
    const redisUrl = flags.redis ?? process.env.DROVER_REDIS_URL;
    const forge = await startForge({
      store,
      config,
      logger,
      env: process.env,
      ...(redisUrl
        ? { redis: { url: redisUrl, prefix: flags.redisPrefix ?? process.env.DROVER_REDIS_PREFIX ?? '' } }
        : {}),
    }).catch(async (err) => {
      await store.close();
      throw err;
    });
    const resolveGitToken = forgeJobCredentials(
      loadForgeCredentials(process.env),
      userGitTokenOption(store, config).resolveGitToken,
      config.gitToken,
    );
    const gateway = flags.workers
      ? await startModelGateway({
          env: process.env,
          logger,
          registry: metrics.registry,
          ...userModelKeysOption(store),
        }).catch(async (err) => {
          await store.close();
          throw err;
        })
      : undefined;
    // Event streams share one store poller per job; jobs run here push their output in directly.
    const events = new JobEventHub(store, { pollMs: 250, logger });
    const runner = flags.workers
      ? new Runner(store, config, logger, {
          concurrency: opts.concurrency,
          onOutput: metrics.onOutput,
          observer: callbacks,
          resolveGitToken,
          ...(gateway ? { modelAccess: gateway.access } : {}),
          onStored: events.publish,
          onJobEnd: events.refresh,
        })
      : undefined;
    const app = await buildServer({
      store,
      logger,
      auth,
      metrics,
      events,
      artifacts: openArtifactStore(process.env, config.dataDir),
      createPerMinute: opts.rateLimit,
      resolveSpec: specResolver(config.repoDefaults),
      localRepos: config.localRepos,
      version: version(),
      plugins: [forge.routes],
      routes: [
        planRoutes({
          plans,
          resolveSpec: specResolver(config.repoDefaults),
          createPerMinute: opts.rateLimit,
        }),
      ],
    });
    try {
      await app.listen({ host: opts.host, port: opts.port });
    } catch (err) {
      await app.close();
      await forge.close();
      await plans.close();
      await gateway?.close();
      await store.close();
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ConfigError(`--host/--port: cannot listen on ${opts.host}:${opts.port} (${code})`);
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.port;
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    process.stdout.write(
      `Drover ${version()} serving http://${host}:${port}/ (dashboard; API under /api) on the ${store.kind} store` +
        `${runner ? ` with ${opts.concurrency} embedded worker(s)` : ', no embedded workers'}\n`,
    );
    for (const line of await access.announce(`http://${host}:${port}/`)) process.stdout.write(`${line}\n`);
    if (forge.enabled.length) {
      process.stdout.write(`Forge webhooks: ${forge.enabled.map((f) => `POST /webhooks/${f}`).join(', ')}\n`);
      if (config.repoDefaults.length === 0) {
        process.stderr.write(
          'drover: forge webhooks are on, but DROVER_CONFIG has no repos: entries, so every webhook will be ignored\n',
        );
      }
    }
    forge.start();

    const stopPlans = await startPlanOrchestrator(plans, store, config, logger, flags.plans);
    const running = runner?.start();
    let signals = 0;
    let resolveStopped: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      const inFlight = runner?.jobsInFlight ?? [];
      logger[signals === 1 ? 'info' : 'warn'](
        { signal, inFlight },
        shutdownNotice(signal, signals, inFlight.length, flags.drainTimeout),
      );
      if (signals > 1) {
        void runner?.stop(0);
        return;
      }
      // Stop accepting requests (open event streams end), drain the workers, then close the store.
      void (async () => {
        await app.close().catch((err) => logger.warn({ err }, 'server close failed'));
        await stopPlans();
        await runner?.stop(drainMs);
        await running;
        await callbacks.drain(CALLBACK_DRAIN_MS);
        await forge.close().catch((err) => logger.warn({ err }, 'forge close failed'));
        await plans.close();
        await gateway?.close();
        await store.close();
        resolveStopped();
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await stopped;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    logger.info({ requeued: runner?.interrupted ?? 0 }, stoppedNotice(runner?.interrupted ?? 0));
    process.exitCode = EXIT.ok;
  });
}

import type { Command } from 'commander';
import { z } from 'zod';
import { ApiAuth, loadApiTokens } from '../api/ApiAuth.js';
import { buildServer } from '../api/buildServer.js';
import { isLoopbackHost } from '../api/isLoopback.js';
import { JobEventHub } from '../api/JobEventHub.js';
import { ServerMetrics } from '../api/ServerMetrics.js';
import { openArtifactStore } from '../artifacts/openArtifactStore.js';
import { ConfigError, InvalidInputError } from '../errors.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { createLogger } from '../log/logger.js';
import { Runner } from '../runner/Runner.js';
import { EXIT } from './exitCodes.js';
import { parseDrainTimeout } from './parseDrainTimeout.js';
import { addStoreOptions, openFromFlags, type StoreFlags } from './storeOptions.js';
import { version } from './version.js';

interface ServeFlags extends StoreFlags {
  host: string;
  port: string;
  concurrency: string;
  workers: boolean;
  drainTimeout: string;
  apiTokenFile?: string;
  rateLimit: string;
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
    );
  addStoreOptions(cmd).action(async (flags: ServeFlags) => {
    const opts = parseServeFlags(flags);
    const drainMs = parseDrainTimeout(flags.drainTimeout);
    const auth = new ApiAuth(await loadApiTokens(process.env, flags.apiTokenFile));
    if (!auth.enabled && !isLoopbackHost(opts.host)) {
      throw new ConfigError(
        `refusing to serve on ${opts.host} without API tokens: anyone who can reach it could run commands. ` +
          'Set DROVER_API_TOKENS or --api-token-file, or listen on 127.0.0.1.',
      );
    }
    const { store, config } = await openFromFlags(flags);
    const logger = createLogger();
    const metrics = new ServerMetrics(store, logger);
    // Event streams share one store poller per job; jobs run here push their output in directly.
    const events = new JobEventHub(store, { pollMs: 250, logger });
    const runner = flags.workers
      ? new Runner(store, config, logger, {
          concurrency: opts.concurrency,
          onOutput: metrics.onOutput,
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
    });
    try {
      await app.listen({ host: opts.host, port: opts.port });
    } catch (err) {
      await app.close();
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
    if (!auth.enabled) {
      process.stderr.write('drover: no API tokens configured: the API is open to local clients only\n');
    }

    const running = runner?.start();
    let signals = 0;
    let resolveStopped: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      logger.info(
        { signal, inFlight: runner?.jobsInFlight ?? [] },
        signals === 1 ? 'shutting down' : 'stopping now',
      );
      if (signals > 1) {
        void runner?.stop(0);
        return;
      }
      // Stop accepting requests (open event streams end), drain the workers, then close the store.
      void (async () => {
        await app.close().catch((err) => logger.warn({ err }, 'server close failed'));
        await runner?.stop(drainMs);
        await running;
        await store.close();
        resolveStopped();
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await stopped;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.exitCode = EXIT.ok;
  });
}

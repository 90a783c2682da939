import { type Command, Option } from 'commander';
import { type DeliveryFlags, deliveryEnvFromFlags, withDeliveryEnv } from '../delivery/DeliveryConfig.js';
import { startModelGateway } from '../gateway/startModelGateway.js';
import { AGENT_NAMES, SANDBOX_MODES } from '../jobs/JobSpec.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { createLogger } from '../log/logger.js';
import { openStore } from '../store/openStore.js';
import { runTask } from '../taskrunner/runTask.js';
import type { TaskAssignment } from '../taskrunner/TaskAssignment.js';
import { loadTaskRunnerSettings } from '../taskrunner/TaskRunnerSettings.js';
import { startTaskServer } from '../taskrunner/TaskServer.js';
import type { TaskEnd } from '../taskrunner/types.js';
import { CALLBACK_DRAIN_MS, callbackNotifier } from './callbackNotifier.js';
import { configFromFlags } from './configFromFlags.js';
import { addDeliveryOptions } from './deliveryOptions.js';
import { EXIT } from './exitCodes.js';
import { version } from './version.js';

interface TaskRunnerCliFlags extends DeliveryFlags {
  listen?: string;
  dataDir?: string;
  branch?: string;
  promptTemplate?: string;
  pr: boolean;
  apiRetry?: string;
  shutdownTimeout?: string;
  agent?: string;
  agentCmd?: string;
  model?: string;
  timeout?: string;
  idleTimeout?: string;
  maxTurns?: string;
  maxCostUsd?: string;
  sandbox?: string;
  environment?: string;
  verify?: string[];
  fixRounds?: string;
  prOnFailure?: boolean;
  prProvider?: string;
  review?: boolean;
  reviewAgent?: string;
  reviewCmd?: string;
  allowNoChanges?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerTaskRunner(program: Command): void {
  const cmd = program
    .command('task-runner')
    .description(
      'runner pod for a Kubernetes operator (Shepherd contract): take one task on POST /task, run it, report, exit',
    )
    .option(
      '--listen <address>',
      'where POST /task and GET /healthz answer (env DROVER_TASK_LISTEN, default :8888)',
    )
    .option('--data-dir <dir>', 'embedded store directory (env DROVER_DATA_DIR, default ./.drover)')
    .option(
      '--branch <template>',
      'branch to push; {taskID} is the task (env DROVER_TASK_BRANCH, default shepherd/{taskID})',
    )
    .option('--prompt-template <file>', 'prompt template file (env DROVER_TASK_PROMPT_TEMPLATE; see README)')
    .option('--no-pr', 'push the branch without opening a pull request (env DROVER_TASK_PR=false)')
    .option(
      '--api-retry <duration>',
      'how long one control-plane call keeps retrying (env DROVER_TASK_API_RETRY, default 5m)',
    )
    .option(
      '--shutdown-timeout <duration>',
      'after SIGTERM, time to report the cancelled task (env DROVER_TASK_SHUTDOWN_TIMEOUT, default 20s)',
    )
    .addOption(new Option('--agent <name>', 'agent to run (env DROVER_TASK_AGENT)').choices([...AGENT_NAMES]))
    .option('--agent-cmd <command>', 'shell command for --agent command (env DROVER_TASK_AGENT_CMD)')
    .option('--model <model>', 'model passed to the agent (env DROVER_TASK_MODEL)')
    .option('--timeout <duration>', 'wall-clock limit for the job (env DROVER_DEFAULT_TIMEOUT, default 30m)')
    .option('--idle-timeout <duration>', 'stop the agent after this long without activity')
    .option('--max-turns <n>', 'turn budget (env DROVER_TASK_MAX_TURNS)')
    .option('--max-cost-usd <usd>', 'cost budget (env DROVER_TASK_MAX_COST_USD)')
    .addOption(new Option('--sandbox <mode>', 'sandbox for the agent').choices([...SANDBOX_MODES]))
    .option('--environment <name>', 'named environment from DROVER_CONFIG')
    .option('--verify <command>', 'test command that must pass before the push (repeatable)', collect)
    .option('--fix-rounds <n>', 'agent retries with the failing test output (default 2)')
    .option('--pr-on-failure', 'when verify still fails, push and open a draft PR with the failure report')
    .addOption(
      new Option('--pr-provider <provider>', 'PR provider (default: from the remote host)').choices([
        'github',
        'gitlab',
      ]),
    )
    .option('--review', 'run a reviewer agent on the diff before delivering')
    .addOption(new Option('--review-agent <name>', 'agent for the review').choices([...AGENT_NAMES]))
    .option('--review-cmd <command>', 'reviewer command for --review-agent command')
    .option('--allow-no-changes', 'succeed even when the agent changes nothing');
  addDeliveryOptions(cmd).action(async (flags: TaskRunnerCliFlags) => {
    process.exitCode = await taskRunner(flags);
  });
}

async function taskRunner(flags: TaskRunnerCliFlags): Promise<number> {
  // Everything is validated before listening: a misconfigured pod fails at once, not at its task.
  const settings = loadTaskRunnerSettings(
    {
      ...(flags.listen !== undefined ? { listen: flags.listen } : {}),
      ...(flags.branch !== undefined ? { branch: flags.branch } : {}),
      ...(flags.promptTemplate !== undefined ? { promptTemplate: flags.promptTemplate } : {}),
      ...(flags.apiRetry !== undefined ? { apiRetry: flags.apiRetry } : {}),
      ...(flags.shutdownTimeout !== undefined ? { shutdownTimeout: flags.shutdownTimeout } : {}),
      pr: flags.pr,
      spec: specFieldsFromFlags(flags),
    },
    process.env,
  );
  const deliveryEnv = deliveryEnvFromFlags(flags);
  const config = withDeliveryEnv(
    configFromFlags({ ...(flags.dataDir ? { dataDir: flags.dataDir } : {}) }),
    deliveryEnv,
  );
  const logger = createLogger();
  const callbacks = callbackNotifier(logger);
  const store = await openStore({
    dataDir: config.dataDir,
    maxAttempts: config.maxAttempts,
    resolveSpec: specResolver(config.repoDefaults),
  });
  const gateway = await startModelGateway({ env: process.env, logger }).catch(async (err) => {
    await store.close();
    throw err;
  });

  const shutdown = new AbortController();
  let task: Promise<TaskEnd> | undefined;
  let wake: () => void = () => {};
  const assignedOrStopped = new Promise<void>((resolve) => (wake = resolve));
  const onTask = (assignment: TaskAssignment) => {
    if (shutdown.signal.aborted) return;
    wake();
    task = runTask({
      assignment,
      settings,
      store,
      config,
      logger,
      userAgent: `drover/${version()}`,
      shutdown: shutdown.signal,
      observer: callbacks,
      ...(gateway ? { modelAccess: gateway.access } : {}),
    });
  };
  const server = await startTaskServer({ listen: settings.listen, logger, onTask }).catch(async (err) => {
    await gateway?.close();
    await store.close();
    throw err;
  });
  const shown = settings.listen.host ? `${settings.listen.host}:${server.port}` : `:${server.port}`;
  process.stdout.write(`Drover ${version()} task runner listening on ${shown} (POST /task, GET /healthz)\n`);

  let signals = 0;
  let hardExit: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    logger.info({ signal, assigned: task !== undefined }, signals === 1 ? 'shutting down' : 'exiting now');
    if (signals > 1) process.exit(EXIT.failed);
    shutdown.abort();
    wake();
    // Whatever hangs, the process is gone before the kubelet's SIGKILL.
    hardExit = setTimeout(() => process.exit(EXIT.failed), settings.shutdownMs + 5_000);
    hardExit.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Until a task arrives (or SIGTERM); then until it has been run and reported.
    await assignedOrStopped;
    if (!task) return EXIT.ok;
    const end = await task;
    logger.info({ outcome: end.outcome, jobId: end.jobId }, 'task over');
    return end.exitCode === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    await server.close();
    await callbacks.drain(shutdown.signal.aborted ? Math.min(CALLBACK_DRAIN_MS, 5_000) : CALLBACK_DRAIN_MS);
    await gateway?.close();
    await store.close();
    if (hardExit) clearTimeout(hardExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Job spec fields from the flags (validated with the rest of the spec when a task arrives). */
function specFieldsFromFlags(flags: TaskRunnerCliFlags): Record<string, unknown> {
  const num = (v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    return v.trim() !== '' && Number.isFinite(n) ? n : v;
  };
  const fields: Record<string, unknown> = {
    agent: flags.agent,
    agentCmd: flags.agentCmd,
    model: flags.model,
    timeout: flags.timeout,
    idleTimeout: flags.idleTimeout,
    maxTurns: num(flags.maxTurns),
    maxCostUsd: num(flags.maxCostUsd),
    sandbox: flags.sandbox,
    environment: flags.environment,
    verify: flags.verify,
    fixRounds: num(flags.fixRounds),
    prOnFailure: flags.prOnFailure,
    prProvider: flags.prProvider,
    review: flags.review,
    reviewAgent: flags.reviewAgent,
    reviewCmd: flags.reviewCmd,
    allowNoChanges: flags.allowNoChanges,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

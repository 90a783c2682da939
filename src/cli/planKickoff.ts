import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { startModelGateway } from '../gateway/startModelGateway.js';
import { AGENT_NAMES } from '../jobs/JobSpec.js';
import { specResolver } from '../jobs/resolveJobSpec.js';
import { createLogger } from '../log/logger.js';
import { applyPlan } from '../plans/applyPlan.js';
import { kickoff } from '../plans/kickoff.js';
import type { PlanDefaults } from '../plans/PlanFile.js';
import { Runner } from '../runner/Runner.js';
import { userGitTokenOption } from '../secrets/userGitTokens.js';
import { userModelKeysOption } from '../secrets/userModelKeys.js';
import { configFromFlags, openFromFlags } from './configFromFlags.js';
import { EXIT } from './exitCodes.js';
import { openPlansFromFlags } from './planStores.js';
import { localPathOrUrl } from './specOptions.js';
import { addStoreOptions, type StoreFlags } from './storeOptions.js';

interface KickoffFlags extends StoreFlags {
  repo: string;
  goal?: string;
  goalFile?: string;
  base?: string;
  name?: string;
  agent?: string;
  agentCmd?: string;
  model?: string;
  plannerAgent?: string;
  plannerCmd?: string;
  reviewAgent?: string;
  reviewCmd?: string;
  verify?: string[];
  pr?: boolean;
  timeout: string;
  dryRun?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `drover plan kickoff`: a planner agent turns a goal into a plan (created unless --dry-run). */
export function registerPlanKickoff(plan: Command): void {
  const cmd = plan
    .command('kickoff')
    .description('a planner agent (read-only) proposes a plan for a goal; it is validated, then created')
    .requiredOption('--repo <url|path>', 'repository the plan works on')
    .option('--goal <text>', 'what the plan must achieve')
    .option('--goal-file <file>', 'read the goal from a file')
    .option('--base <ref>', 'base branch (default: the remote default branch)')
    .option('--name <name>', 'the plan’s name (default: the planner’s, else from the goal)')
    .addOption(
      new Option('--agent <name>', 'agent of the plan’s runs (and the planner)').choices([...AGENT_NAMES]),
    )
    .option('--agent-cmd <command>', 'command of the command agent')
    .option('--model <model>', 'model for the agent')
    .addOption(
      new Option('--planner-agent <name>', 'agent of the planner run (default --agent)').choices([
        ...AGENT_NAMES,
      ]),
    )
    .option('--planner-cmd <command>', 'command of a command-agent planner (default --agent-cmd)')
    .addOption(new Option('--review-agent <name>', 'the plan’s reviewer agent').choices([...AGENT_NAMES]))
    .option('--review-cmd <command>', 'the plan’s reviewer command')
    .option('--verify <command>', 'the plan’s verify command (repeatable)', collect)
    .option('--pr', 'the plan’s executor runs open pull requests')
    .option('--timeout <duration>', 'limit of each planner run', '10m')
    .option('--dry-run', 'print the proposed plan; create nothing')
    .option('--json', 'print the plan (and what was created) as JSON')
    .option('--git-token-env <name>', 'read the git token from this environment variable');
  addStoreOptions(cmd).action(async (flags: KickoffFlags) => {
    process.exitCode = await run(flags);
  });
}

async function run(flags: KickoffFlags): Promise<number> {
  const goal = await readGoal(flags);
  const config = configFromFlags(flags);
  const resolve = specResolver(config.repoDefaults);
  const agentCmd = flags.agentCmd;
  const agent = flags.agent ?? (agentCmd ? 'command' : undefined);
  const defaults = Object.fromEntries(
    Object.entries({
      agent,
      agentCmd,
      model: flags.model,
      reviewAgent: flags.reviewAgent,
      reviewCmd: flags.reviewCmd,
      verify: flags.verify,
      pr: flags.pr,
    }).filter(([, v]) => v !== undefined),
  ) as PlanDefaults;
  const plannerAgent = flags.plannerAgent ?? (flags.plannerCmd ? 'command' : agent);
  const plannerCmd = flags.plannerCmd ?? (plannerAgent === agent ? agentCmd : undefined);
  const { store, config: runnerConfig } = await openFromFlags(flags, config);
  const logger = createLogger(process.env.DROVER_LOG_LEVEL ?? 'warn');
  const gateway = await startModelGateway({ env: process.env, logger, ...userModelKeysOption(store) }).catch(
    async (err) => {
      await store.close();
      throw err;
    },
  );
  const runner = new Runner(store, runnerConfig, logger, {
    ...userGitTokenOption(store, runnerConfig),
    ...(gateway ? { modelAccess: gateway.access } : {}),
  });
  try {
    const result = await kickoff(
      {
        jobs: store,
        resolveSpec: resolve,
        runJob: async (spec, enqueueOpts, onStart) => {
          const { job: started } = await runner.runNew(spec, enqueueOpts, onStart);
          const job = await store.get(started.id);
          if (!job) throw new NotFoundError(`The planner job ${started.id} vanished.`);
          return job;
        },
        onJob: (job, attempt) =>
          process.stderr.write(
            `Planner job ${job.id}${attempt > 1 ? ' (regenerating: the first plan was invalid)' : ''}…\n`,
          ),
      },
      {
        repo: localPathOrUrl(flags.repo),
        ...(flags.base ? { baseRef: flags.base } : {}),
        goal,
        ...(flags.name ? { name: flags.name } : {}),
        defaults,
        planner: { agent: plannerAgent, agentCmd: plannerCmd, model: flags.model, timeout: flags.timeout },
      },
    );
    if (flags.dryRun) {
      process.stdout.write(
        flags.json ? `${JSON.stringify(result.plan)}\n` : `${JSON.stringify(result.plan, null, 2)}\n`,
      );
      return EXIT.ok;
    }
    const plans = await openPlansFromFlags(flags);
    try {
      const applied = await applyPlan(plans, result.plan, resolve);
      if (flags.json) process.stdout.write(`${JSON.stringify({ plan: result.plan, apply: applied })}\n`);
      else {
        process.stdout.write(
          `Plan ${applied.name} ${applied.created ? 'created' : 'updated'} with ${result.plan.tasks.length} tasks: ${result.plan.tasks.map((t) => t.id).join(', ')}\n`,
        );
      }
      return EXIT.ok;
    } finally {
      await plans.close();
    }
  } finally {
    await runner.stop(0);
    await gateway?.close();
    await store.close();
  }
}

async function readGoal(flags: KickoffFlags): Promise<string> {
  if ((flags.goal === undefined) === (flags.goalFile === undefined)) {
    throw new InvalidInputError('goal: give either --goal or --goal-file', [
      { path: 'goal', message: 'give either --goal or --goal-file' },
    ]);
  }
  const text =
    flags.goal ??
    (await readFile(flags.goalFile!, 'utf8').catch((err) => {
      const message = `cannot read --goal-file ${flags.goalFile}: ${(err as NodeJS.ErrnoException).code ?? err}`;
      throw new InvalidInputError(message, [{ path: 'goal', message }]);
    }));
  if (!text.trim() || text.length > 64 * 1024) {
    throw new InvalidInputError('goal: must be 1 to 65536 characters', [
      { path: 'goal', message: 'must be 1 to 65536 characters' },
    ]);
  }
  return text;
}

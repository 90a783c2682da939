import { formatDuration } from '../../config/duration.js';
import { jobCommandEnv, resolveJobEnvironment } from '../../environments/jobEnvironment.js';
import { readPlaybook } from '../../environments/Playbook.js';
import { SetupError } from '../../errors.js';
import type { JobContext } from '../../pipeline/JobContext.js';
import { jobSandbox } from '../../sandbox/jobSandbox.js';
import { runJobCommand } from '../runJobCommand.js';

const TAIL_LINES = 15;

/**
 * The setup phase: decides the sandbox, resolves the job's environment (DROVER_CONFIG) and the repo's
 * .drover.yml, then runs the environment's setup commands and the playbook's, in order, in the
 * workspace, under the sandbox, streaming their output. The first failing step fails the job
 * (errorKind setup) with the end of its output.
 */
export async function setupEnvironment(ctx: JobContext): Promise<void> {
  await jobSandbox(ctx);
  ctx.environment = resolveJobEnvironment(ctx);
  if (ctx.environment.name) {
    ctx.output.system(
      `Environment ${ctx.environment.name}: ${Object.keys(ctx.environment.vars).length} variable(s), ${ctx.environment.setup.length} setup command(s)`,
    );
  }
  const playbook = await readPlaybook(ctx.workspace!.repoDir);
  if (playbook) {
    ctx.playbook = playbook;
    ctx.output.system(
      `Playbook ${playbook.file}: ${playbook.setup.length} setup, ${playbook.verify.length} verify command(s)`,
      'playbook',
      { file: playbook.file, setup: playbook.setup, verify: playbook.verify },
    );
  }
  const steps = [
    ...ctx.environment.setup.map((command) => ({ command, from: `environment ${ctx.environment?.name}` })),
    ...(playbook?.setup ?? []).map((command) => ({ command, from: playbook!.file })),
  ];
  if (steps.length === 0) return;
  const env = jobCommandEnv(ctx);
  for (const [index, step] of steps.entries()) {
    ctx.output.system(`$ ${step.command}`, 'setup.command', {
      command: step.command,
      from: step.from,
      index,
    });
    const ran = await runJobCommand(ctx, step.command, { env, what: 'setup step', tailLines: TAIL_LINES });
    const took = formatDuration(ran.durationMs);
    if (ran.ok) {
      ctx.output.system(`✓ ${step.command} (${took})`, 'setup.result', { command: step.command, ok: true });
      continue;
    }
    const how = ran.spawnError
      ? `could not start (${ran.spawnError.message})`
      : ran.reason === 'idle'
        ? `showed no output for ${formatDuration(ctx.idleTimeoutMs)} and was stopped`
        : ran.exitCode === null
          ? `was killed by ${ran.signal}`
          : `failed with exit code ${ran.exitCode}`;
    ctx.output.system(`✗ ${step.command} ${how} (${took})`, 'setup.result', {
      command: step.command,
      ok: false,
      exitCode: ran.exitCode,
    });
    const tail = ran.tail.trim().slice(-2000);
    throw new SetupError(
      `Setup step "${step.command}" (${step.from}) ${how}${tail ? `; its output ended with:\n${tail}` : '.'}`,
    );
  }
}

#!/usr/bin/env node
import { writeSync } from 'node:fs';
import type { Command as CommandType } from 'commander';
import { handleClosedPipes, isClosedPipe } from './closedPipe.js';
import { enableCompileCache } from './compileCache.js';
import { EXIT } from './exitCodes.js';
import { version } from './version.js';

// Start-up is most of a short command's time: `drover --version` answers before anything else loads,
// and everything below is imported only after Node's compile cache is on (where Node has one).
if (process.argv[2] === '--version' || process.argv[2] === '-V') {
  try {
    writeSync(1, `${version()}\n`);
  } catch (err) {
    if (!isClosedPipe(err)) throw err;
  }
  process.exit(EXIT.ok);
}
enableCompileCache();
handleClosedPipes();
const { Command, CommanderError, Option } = await import('commander');

const program = new Command('drover')
  .description('Self-hosted runner for AI coding agents')
  .version(version())
  .option('--no-color', 'no colours and no terminal control sequences from agents (same as NO_COLOR=1)')
  .addOption(
    new Option(
      '--log-format <format>',
      'logs on stderr: pretty lines or JSON (env DROVER_LOG_FORMAT; default: pretty on a terminal)',
    ).choices(['auto', 'json', 'pretty']),
  )
  // Usage errors are one line, naming the problem, with no help dump around it.
  .configureOutput({ outputError: (str, write) => write(`drover: ${str.replace(/^error: /, '')}`) })
  .exitOverride();
// Set before any command runs, so every writer (live output, logs, the console logger) sees it.
program.hook('preAction', () => {
  const opts = program.opts<{ color?: boolean; logFormat?: string }>();
  if (opts.color === false) process.env.NO_COLOR = '1';
  if (opts.logFormat) process.env.DROVER_LOG_FORMAT = opts.logFormat;
});

type Register = (program: CommandType) => void;

// Each command's module is imported only when that command runs (help and unknown commands load them
// all): `drover run` must not pay at startup for the HTTP server's or the Redis client's dependencies.
const COMMANDS: [string, () => Promise<Register>][] = [
  ['run', async () => (await import('./run.js')).registerRun],
  ['submit', async () => (await import('./submit.js')).registerSubmit],
  ['worker', async () => (await import('./worker.js')).registerWorker],
  ['status', async () => (await import('./status.js')).registerStatus],
  ['logs', async () => (await import('./logs.js')).registerLogs],
  ['list', async () => (await import('./list.js')).registerList],
  ['cancel', async () => (await import('./cancel.js')).registerCancel],
  ['workers', async () => (await import('./workers.js')).registerWorkers],
  ['secrets', async () => (await import('./secrets.js')).registerSecrets],
  ['cache', async () => (await import('./cache.js')).registerCache],
  ['hook', async () => (await import('./hook.js')).registerHook],
  ['artifacts', async () => (await import('./artifacts.js')).registerArtifacts],
  ['serve', async () => (await import('./serve.js')).registerServe],
  ['task-runner', async () => (await import('./taskRunner.js')).registerTaskRunner],
  ['plan', async () => (await import('./plan.js')).registerPlan],
  ['doctor', async () => (await import('./doctor.js')).registerDoctor],
];
const invoked = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const chosen = COMMANDS.filter(([name]) => name === invoked);
for (const [, load] of chosen.length > 0 ? chosen : COMMANDS) (await load())(program);
for (const cmd of program.commands) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; unknown options and missing arguments are invalid input.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
  } else if (isClosedPipe(err)) {
    process.exitCode = EXIT.ok; // e.g. `drover artifacts <id> --get log.txt | head`
  } else {
    process.exitCode = (await import('./handleError.js')).handleError(err);
  }
}

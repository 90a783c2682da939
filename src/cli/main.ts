#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerArtifacts } from './artifacts.js';
import { registerCache } from './cache.js';
import { registerCancel } from './cancel.js';
import { EXIT } from './exitCodes.js';
import { handleError } from './handleError.js';
import { registerHook } from './hook.js';
import { registerList } from './list.js';
import { registerLogs } from './logs.js';
import { registerRun } from './run.js';
import { registerSecrets } from './secrets.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { registerSubmit } from './submit.js';
import { version } from './version.js';
import { registerWorker } from './worker.js';
import { registerWorkers } from './workers.js';

const program = new Command('drover')
  .description('Self-hosted runner for AI coding agents')
  .version(version())
  .showHelpAfterError()
  .exitOverride();

for (const register of [
  registerRun,
  registerSubmit,
  registerWorker,
  registerStatus,
  registerLogs,
  registerList,
  registerCancel,
  registerWorkers,
  registerSecrets,
  registerCache,
  registerHook,
  registerArtifacts,
  registerServe,
]) {
  register(program);
}
for (const cmd of program.commands) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; unknown options and missing arguments are invalid input.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
  } else {
    process.exitCode = handleError(err);
  }
}

import { EXIT } from './exitCodes.js';

let keepRunning = false;

/** EPIPE (the reader went away: `drover list | head`), or a write after it. */
export function isClosedPipe(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * A closed stdout or stderr ends the command quietly with exit 0, as `head` and pagers expect, instead
 * of an unhandled 'error' event and a stack trace. Commands that own work (drover run) call
 * keepRunningWhenOutputCloses(): their output is dropped from then on and the work goes on to its end.
 */
export function handleClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (!isClosedPipe(err)) throw err;
      if (!keepRunning) process.exit(EXIT.ok);
    });
  }
}

export function keepRunningWhenOutputCloses(): void {
  keepRunning = true;
}

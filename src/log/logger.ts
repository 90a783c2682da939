import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Structured logs go to stderr (stdout carries command output, e.g. `drover run --json`): JSON lines for
 * machines, or — on a terminal, or with DROVER_LOG_FORMAT / --log-format pretty — one readable line per
 * event (time, level, job id, message, then the other fields). Secrets never reach a log: values are
 * masked before they are logged, and the redact list catches credential-shaped fields that slip through.
 */
export function createLogger(level: string = process.env.DROVER_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: [
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'gitToken',
          '*.gitToken',
        ],
        censor: '***',
      },
    },
    destination(),
  );
}

/** The format for this process: DROVER_LOG_FORMAT (set by --log-format), else pretty on a terminal. */
export function logFormat(env: NodeJS.ProcessEnv = process.env): 'json' | 'pretty' {
  const chosen = env.DROVER_LOG_FORMAT;
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return process.stderr.isTTY === true ? 'pretty' : 'json';
}

function destination(): DestinationStream {
  if (logFormat() === 'json') return pino.destination({ dest: 2, sync: true });
  // Loaded only when used (a JSON logger, the default off a terminal, does not pay for it).
  const pretty = createRequire(import.meta.url)('pino-pretty') as (opts: object) => DestinationStream;
  return pretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,component,jobId,runnerId',
    messageFormat: '{if jobId}job {jobId}: {end}{msg}',
    singleLine: true,
  });
}

import pino, { type Logger } from 'pino';

/**
 * Structured logs go to stderr (stdout carries command output, e.g. `drover run --json`).
 * Secrets never reach a log: values are masked before they are logged, and the redact list
 * catches credential-shaped fields that slip through.
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
    pino.destination({ dest: 2, sync: true }),
  );
}

import { ConfigError, DroverError, InvalidInputError, NotFoundError } from '../errors.js';
import { EXIT } from './exitCodes.js';
import { FLAG_FOR_FIELD } from './specOptions.js';

/** Prints an error a user can act on and returns the exit code for it. */
export function handleError(err: unknown): number {
  if (err instanceof InvalidInputError) {
    const lines = err.issues.length
      ? err.issues.map(
          (i) =>
            `  ${FLAG_FOR_FIELD[i.path] ? `${i.path} (${FLAG_FOR_FIELD[i.path]})` : i.path}: ${i.message}`,
        )
      : [];
    process.stderr.write(
      `drover: invalid input:${err.issues.length ? '' : ` ${err.message}`}\n${lines.join('\n')}${lines.length ? '\n' : ''}`,
    );
    return EXIT.invalid;
  }
  if (err instanceof ConfigError || err instanceof NotFoundError) {
    process.stderr.write(`drover: ${err.message}\n`);
    return EXIT.invalid;
  }
  if (err instanceof DroverError) {
    process.stderr.write(`drover: ${err.message}\n`);
    return EXIT.failed;
  }
  process.stderr.write(
    `drover: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return EXIT.failed;
}

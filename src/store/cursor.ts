import { InvalidInputError } from '../errors.js';

/** Opaque pagination cursors: base64url of the last job id of a page. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-zA-Z_-]{1,128}$/.test(id)) {
    throw new InvalidInputError('cursor: is not a cursor returned by a previous page', [
      { path: 'cursor', message: 'is not a cursor returned by a previous page' },
    ]);
  }
  return id;
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  return Math.max(1, Math.min(500, Math.floor(limit)));
}

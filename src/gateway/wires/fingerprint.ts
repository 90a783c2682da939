import { createHash } from 'node:crypto';

/** A short stable digest of the parts that identify a conversation (never stored, never logged). */
export function fingerprint(...parts: unknown[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(JSON.stringify(part ?? null)).update('\0');
  return hash.digest('base64url').slice(0, 22);
}

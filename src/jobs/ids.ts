import { randomBytes } from 'node:crypto';

// Crockford base32, lowercase: sortable as text, safe in branch names and URLs.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const EPOCH_MS = Date.UTC(2024, 0, 1);
let lastMs = 0;

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * Sortable, unique job ids: 8 chars of milliseconds since 2024 (40 bits, good until 2058) then 18
 * random chars. Unlike a ULID, the first 8 chars change every millisecond, so the default branch
 * `drover/<first 8>` differs between jobs; within a process the clock part is strictly increasing.
 */
export function newJobId(now = Date.now()): string {
  const ms = Math.max(now - EPOCH_MS, lastMs + 1);
  lastMs = ms;
  const random = BigInt(`0x${randomBytes(12).toString('hex')}`);
  return encode(BigInt(ms), 8) + encode(random, 18);
}

export const JOB_ID_PATTERN = /^[0-9a-z][0-9a-z_-]{5,63}$/;

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function defaultBranch(id: string): string {
  return `drover/${shortId(id)}`;
}

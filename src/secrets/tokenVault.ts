import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, CredentialsError } from '../errors.js';

/**
 * Per-user git tokens at rest: AES-256-GCM under DROVER_SECRET_KEY (32 random bytes, base64, e.g.
 * `openssl rand -base64 32`). Sealed format, versioned so the scheme can change without ambiguity:
 *
 *   v1:<iv: 12 bytes, base64>:<auth tag: 16 bytes, base64>:<ciphertext, base64>
 *
 * (standard base64 with padding; plaintext = the token as UTF-8; no associated data).
 */
export const SEALED_VERSION = 'v1';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes DROVER_SECRET_KEY; a wrong length or alphabet is a configuration error naming the variable. */
export function parseSecretKey(value: string | undefined): Buffer {
  if (!value)
    throw new ConfigError('DROVER_SECRET_KEY: is not set (32 random bytes, base64: openssl rand -base64 32)');
  const text = value.trim();
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(
      `DROVER_SECRET_KEY: must be 32 bytes encoded as base64 (got ${key.length} bytes); create one with openssl rand -base64 32`,
    );
  }
  return key;
}

export function sealToken(key: Buffer, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [
    SEALED_VERSION,
    iv.toString('base64'),
    cipher.getAuthTag().toString('base64'),
    ciphertext.toString('base64'),
  ].join(':');
}

/** Opens a sealed token; a malformed value or the wrong key is a CredentialsError (never the value). */
export function openToken(key: Buffer, sealed: string): string {
  const parts = sealed.trim().split(':');
  if (parts[0] !== SEALED_VERSION) {
    throw new CredentialsError(
      `The stored git token has an unknown format (expected "${SEALED_VERSION}:<iv>:<tag>:<ciphertext>").`,
    );
  }
  const [, iv, tag, data] = parts;
  if (parts.length !== 4 || ![iv, tag, data].every((p) => p && BASE64.test(p))) {
    throw new CredentialsError(
      'The stored git token is malformed (expected v1:<iv>:<tag>:<ciphertext>, base64).',
    );
  }
  const ivBytes = Buffer.from(iv!, 'base64');
  const tagBytes = Buffer.from(tag!, 'base64');
  if (ivBytes.length !== 12 || tagBytes.length !== 16) {
    throw new CredentialsError('The stored git token is malformed (its iv must be 12 bytes and its tag 16).');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(data!, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new CredentialsError(
      'The stored git token cannot be decrypted: DROVER_SECRET_KEY is not the key it was encrypted with, or the value was altered.',
    );
  }
}

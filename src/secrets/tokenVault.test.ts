import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialsError } from '../errors.js';
import { openToken, parseSecretKey, sealToken } from './tokenVault.js';

const keyText = randomBytes(32).toString('base64');
const key = parseSecretKey(keyText);

describe('tokenVault', () => {
  it('round-trips a token in the documented v1 format without exposing it', () => {
    const token = 'ghp_ÄbcDEF123456789-secret';
    const sealed = sealToken(key, token);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('secret');
    expect(openToken(key, sealed)).toBe(token);
    expect(sealToken(key, token)).not.toBe(sealed); // fresh iv each time
  });

  it('refuses the wrong key and tampered or malformed values with a CredentialsError', () => {
    const sealed = sealToken(key, 'tok');
    const other = parseSecretKey(randomBytes(32).toString('base64'));
    expect(() => openToken(other, sealed)).toThrow(CredentialsError);
    expect(() => openToken(other, sealed)).toThrow(/DROVER_SECRET_KEY is not the key/);
    const [v, iv, tag, data] = sealed.split(':');
    const flipped = Buffer.from(data!, 'base64');
    flipped[0]! ^= 1;
    expect(() => openToken(key, [v, iv, tag, flipped.toString('base64')].join(':'))).toThrow(
      /cannot be decrypted/,
    );
    expect(() => openToken(key, `v2:${iv}:${tag}:${data}`)).toThrow(/unknown format/);
    expect(() => openToken(key, 'v1:abc')).toThrow(/malformed/);
    expect(() => openToken(key, `v1:${iv}:AAAA:${data}`)).toThrow(/tag 16/);
  });

  it('names DROVER_SECRET_KEY when the key is missing or not 32 bytes of base64', () => {
    expect(() => parseSecretKey(undefined)).toThrow(/DROVER_SECRET_KEY: is not set/);
    expect(() => parseSecretKey(randomBytes(16).toString('base64'))).toThrow(/got 16 bytes/);
    expect(() => parseSecretKey('not base64 !!')).toThrow(/DROVER_SECRET_KEY: must be 32 bytes/);
    expect(parseSecretKey(` ${keyText}\n`).equals(key)).toBe(true);
  });
});

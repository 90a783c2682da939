import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gitHubVerifier, gitLabVerifier } from './verifyWebhook.js';

const SECRET = "It's a Secret to Everybody";

describe('gitHubVerifier', () => {
  const verify = gitHubVerifier(SECRET);
  const sign = (body: Buffer | string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

  it('accepts GitHub’s documented example signature', async () => {
    // From GitHub's "Validating webhook deliveries" documentation.
    expect(
      await verify(
        Buffer.from('Hello, World!'),
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      ),
    ).toBe(true);
  });

  it('refuses a wrong, missing or malformed signature, an empty body, and bytes that are not UTF-8', async () => {
    const body = Buffer.from('{"a":1}');
    expect(await verify(body, sign(body))).toBe(true);
    expect(await verify(Buffer.from('{"a":2}'), sign(body))).toBe(false);
    expect(await verify(body, undefined)).toBe(false);
    expect(await verify(body, 'sha1=abc')).toBe(false);
    expect(await verify(body, sign(body).toUpperCase())).toBe(false);
    expect(await verify(Buffer.alloc(0), sign(''))).toBe(false);
    const latin1 = Buffer.from([0x7b, 0xe9, 0x7d]);
    expect(await verify(latin1, sign(latin1))).toBe(false);
  });
});

describe('gitLabVerifier', () => {
  it('compares the token whole', () => {
    const verify = gitLabVerifier('gitlab-secret-0123456789');
    expect(verify('gitlab-secret-0123456789')).toBe(true);
    expect(verify('gitlab-secret-012345678')).toBe(false);
    expect(verify('gitlab-secret-01234567890')).toBe(false);
    expect(verify(undefined)).toBe(false);
    expect(verify('')).toBe(false);
  });
});

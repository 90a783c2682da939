import { describe, expect, it } from 'vitest';
import { Masker } from './Masker.js';
import { secretVariants } from './secretVariants.js';

/** True if any base64 piece left between masks still decodes (at any alignment) to text containing `secret`. */
function decodesTo(masked: string, secret: string): boolean {
  return masked.split('***').some((piece) => {
    for (let skip = 0; skip < 4; skip++) {
      for (const encoding of ['base64', 'base64url'] as const) {
        if (Buffer.from(piece.slice(skip), encoding).includes(Buffer.from(secret))) return true;
      }
    }
    return false;
  });
}

describe('Masker', () => {
  it('is the identity without secrets', () => {
    const masker = new Masker();
    const text = 'nothing to hide here: token=abc\n';
    expect(masker.mask(text)).toBe(text);
    expect(masker.size).toBe(0);
    expect(masker.maxVariantLength).toBe(0);
  });

  it('masks the raw value wherever it appears', () => {
    const masker = new Masker(['ghp_abcdef123456']);
    expect(masker.mask('ghp_abcdef123456')).toBe('***');
    expect(masker.mask('token=ghp_abcdef123456; again ghp_abcdef123456.')).toBe('token=***; again ***.');
    expect(masker.mask('https://x-access-token:ghp_abcdef123456@github.com/o/r.git')).toBe(
      'https://x-access-token:***@github.com/o/r.git',
    );
  });

  it('ignores empty and short secrets, and deduplicates', () => {
    const masker = new Masker(['', 'abc', 'sekrit-value', 'sekrit-value']);
    masker.add('sekrit-value');
    masker.add('xy');
    expect(masker.size).toBe(1);
    expect(masker.mask('abc xy sekrit-value')).toBe('abc xy ***');
  });

  it('masks secrets added after the first use', () => {
    const masker = new Masker(['first-secret']);
    expect(masker.mask('first-secret second-secret')).toBe('*** second-secret');
    masker.add('second-secret');
    expect(masker.mask('first-secret second-secret')).toBe('*** ***');
    expect(masker.maxVariantLength).toBe(Math.max(...secretVariants('second-secret').map((v) => v.length)));
  });

  it('masks URL-encoded secrets with special characters', () => {
    const secret = 'p@ss/w:rd+=';
    const masker = new Masker([secret]);
    const encoded = encodeURIComponent(secret);
    expect(masker.mask(`https://u:${encoded}@host/x`)).toBe('https://u:***@host/x');
    expect(masker.mask(`?password=${encoded.toLowerCase()}&x=1`)).toBe('?password=***&x=1');
    expect(masker.mask(new URLSearchParams({ password: secret, a: 'b' }).toString())).toBe(
      'password=***&a=b',
    );
    expect(masker.mask(`raw ${secret} raw`)).toBe('raw *** raw');
  });

  it('masks JSON-escaped secrets containing quotes and backslashes', () => {
    const secret = 'he said "o\\pen" \u00e9';
    const masker = new Masker([secret]);
    expect(masker.mask(JSON.stringify({ key: secret }))).toBe('{"key":"***"}');
    const nested = JSON.stringify({ result: JSON.stringify({ key: secret }) });
    expect(masker.mask(nested)).toBe(JSON.stringify({ result: JSON.stringify({ key: '***' }) }));
    const ascii = JSON.stringify(secret).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    expect(masker.mask(`{"key":${ascii}}`)).toBe('{"key":"***"}');
  });

  it('masks base64 forms at byte offsets 0, 1 and 2 inside longer blobs', () => {
    const secret = 'ghp_S3cr3tT0kenValue99';
    const masker = new Masker([secret]);
    const variants = secretVariants(secret);
    for (const prefix of ['', 'x', 'xx', 'xxx', 'some longer header: ']) {
      for (const suffix of ['', 'y', 'yy', 'yyy']) {
        for (const encoding of ['base64', 'base64url'] as const) {
          const blob = Buffer.from(prefix + secret + suffix).toString(encoding);
          const masked = masker.mask(blob);
          expect(masked).toContain('***');
          for (const variant of variants) expect(masked).not.toContain(variant);
          expect(decodesTo(masked, secret)).toBe(false);
          expect(decodesTo(blob, secret)).toBe(true); // the check itself would catch a leak
        }
      }
    }
  });

  it('masks Basic-auth headers through the offset variants', () => {
    const token = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
    const masker = new Masker([token]);
    for (const user of ['x-access-token', 'oauth2', 'me', 'a']) {
      const header = `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
      const masked = masker.mask(header);
      expect(masked).toMatch(/^Authorization: Basic [A-Za-z0-9+/]*\*\*\*[A-Za-z0-9+/=]*$/);
      expect(decodesTo(masked.slice('Authorization: Basic '.length), token)).toBe(false);
    }
  });

  it('masks several secrets at once', () => {
    const masker = new Masker(['git-token-1234', 'sk-ant-api-5678', 'user-listed-pw']);
    expect(masker.size).toBe(3);
    expect(masker.mask('a git-token-1234 b sk-ant-api-5678 c user-listed-pw d')).toBe('a *** b *** c *** d');
    const blob = Buffer.from('sk-ant-api-5678:git-token-1234').toString('base64');
    const masked = masker.mask(blob);
    expect(decodesTo(masked, 'sk-ant-api-5678')).toBe(false);
    expect(decodesTo(masked, 'git-token-1234')).toBe(false);
  });

  it('prefers the longest secret when one is a prefix of another', () => {
    const masker = new Masker(['secret', 'secret-and-more']);
    expect(masker.mask('secret-and-more')).toBe('***');
    expect(masker.mask('secret-and-less')).toBe('***-and-less');
    expect(masker.mask('xsecretsecret-and-morex')).toBe('x******x');
  });

  it('merges overlapping occurrences so no fragment of either secret survives', () => {
    const masker = new Masker(['abcdef12', 'ef12ghij']);
    expect(masker.mask('xx abcdef12ghij yy')).toBe('xx *** yy');
    expect(masker.mask('abcdef12 ef12ghij')).toBe('*** ***');
    const repeats = new Masker(['aaaa']);
    expect(repeats.mask('baaaaaaab')).toBe('b***b');
  });

  it('masks exactly the lines that carry a secret across many lines', () => {
    const masker = new Masker([
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'sk-ant-api03-XXXXXXXXXXXX',
      'hunter2!',
    ]);
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `${i} INFO some ordinary agent output line: ok (${i * 7})`,
    );
    lines[500] = 'leak: ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const rounds = 100;
    let masked = 0;
    for (let r = 0; r < rounds; r++) for (const line of lines) if (masker.mask(line) !== line) masked++;
    // Throughput is measured by `npm run bench`, not asserted here.
    expect(masked).toBe(rounds);
  });
});

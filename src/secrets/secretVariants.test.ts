import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, secretVariants } from './secretVariants.js';

describe('secretVariants', () => {
  it('ignores secrets too short to mask without shredding ordinary output', () => {
    expect(secretVariants('')).toEqual([]);
    expect(secretVariants('abc')).toEqual([]);
    expect(secretVariants('abcd').length).toBeGreaterThan(0);
  });

  it('lists the raw value first and never repeats a variant', () => {
    const variants = secretVariants('ghp_0123456789abcdef');
    expect(variants[0]).toBe('ghp_0123456789abcdef');
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('includes URL-encoded and JSON-escaped forms', () => {
    expect(secretVariants('p@ss/w:rd+=')).toContain('p%40ss%2Fw%3Ard%2B%3D');
    expect(secretVariants('p@ss/w:rd+=')).toContain('p%40ss%2fw%3ard%2b%3d');
    expect(secretVariants('a b!c(d)')).toContain('a+b%21c%28d%29');
    expect(secretVariants('say "hi" \\ now')).toContain('say \\"hi\\" \\\\ now');
    expect(secretVariants('say "hi" \\ now')).toContain('say \\\\\\"hi\\\\\\" \\\\\\\\ now');
    expect(secretVariants('pässwörd')).toContain('p\\u00e4ssw\\u00f6rd');
    expect(secretVariants('a<b>&c')).toContain('a\\u003cb\\u003e\\u0026c');
  });

  it('covers a secret at each of the three byte offsets inside a base64 blob', () => {
    const secret = 'ghp_S3cr3t+T0ken/value';
    const variants = secretVariants(secret);
    for (const prefix of ['', 'x', 'xy', 'xyz', 'Authorization: ']) {
      for (const suffix of ['', 'a', 'ab', 'abc']) {
        const blob = Buffer.from(prefix + secret + suffix).toString('base64');
        const url = Buffer.from(prefix + secret + suffix).toString('base64url');
        expect(variants.some((v) => blob.includes(v))).toBe(true);
        expect(variants.some((v) => url.includes(v))).toBe(true);
      }
    }
  });

  it('keeps only base64 characters that the secret determines on its own', () => {
    const secret = 'abcdefgh';
    const variants = secretVariants(secret);
    // Whatever surrounds the secret, each offset's variant appears unchanged in the blob.
    for (let offset = 0; offset < 3; offset++) {
      const found = variants.filter((v) =>
        ['\x00', '\xff'].every((fill) =>
          Buffer.from(fill.repeat(offset) + secret + fill.repeat(3), 'latin1')
            .toString('base64')
            .includes(v),
        ),
      );
      expect(found.length).toBeGreaterThan(0);
    }
  });

  it('drops variants shorter than the minimum', () => {
    for (const secret of ['abcd', 'wxyz', '\u00e9\u00e9\u00e9\u00e9', 'a+/b']) {
      for (const variant of secretVariants(secret))
        expect(variant.length).toBeGreaterThanOrEqual(MIN_SECRET_LENGTH);
    }
  });
});

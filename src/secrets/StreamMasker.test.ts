import { describe, expect, it } from 'vitest';
import { Masker } from './Masker.js';
import { StreamMasker } from './StreamMasker.js';
import { secretVariants } from './secretVariants.js';

/** mulberry32: small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function splitRandomly(random: () => number, text: string, maxPiece: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; ) {
    const length = Math.floor(random() * (maxPiece + 1)); // empty chunks included
    pieces.push(text.slice(i, i + length));
    i += length;
  }
  return pieces;
}

function streamMask(masker: Masker, pieces: string[]): string {
  const stream = new StreamMasker(masker);
  return pieces.map((piece) => stream.push(piece)).join('') + stream.flush();
}

// Overlapping secrets, one a prefix of another, a self-overlapping one and one full of escapable characters.
const SECRETS = ['abcdef12', 'ef12ghij', 'abcdef12XYZ', 'aaaa', 'p@ss/w:rd+="q"', 'ghp_T0ken/With+Chars'];

describe('StreamMasker', () => {
  it('masks a secret split across chunks', () => {
    const masker = new Masker(['ghp_abcdef123456']);
    const stream = new StreamMasker(masker);
    let out = stream.push('token: ghp_abc');
    expect(out).toBe('token: ');
    out += stream.push('def12');
    out += stream.push('3456 done\n');
    out += stream.flush();
    expect(out).toBe('token: *** done\n');
  });

  it('emits a held-back prefix that turns out not to be a secret', () => {
    const stream = new StreamMasker(new Masker(['ghp_abcdef123456']));
    expect(stream.push('see ghp_ab')).toBe('see ');
    expect(stream.push('ZZ ')).toBe('ghp_abZZ ');
    expect(stream.push('tail ghp_')).toBe('tail ');
    expect(stream.flush()).toBe('ghp_');
    expect(stream.push('again\n')).toBe('again\n');
  });

  it('passes chunks through untouched without secrets', () => {
    const stream = new StreamMasker(new Masker());
    expect(stream.push('a')).toBe('a');
    expect(stream.push('bc')).toBe('bc');
    expect(stream.flush()).toBe('');
  });

  it('bounds the hold-back by the longest variant', () => {
    const masker = new Masker(SECRETS);
    const stream = new StreamMasker(masker);
    const random = prng(7);
    // Noise made of secret characters keeps partial matches coming, but never completes a secret.
    let input = '';
    let output = '';
    for (let i = 0; i < 2000; i++) {
      const chunk = pick(random, ['abcdef1', 'aab', 'p@ss/w:rd', 'ef12ghi', 'ghp_T0ken/', 'x']);
      input += chunk;
      output += stream.push(chunk);
      expect(input.length - output.length).toBeLessThan(masker.maxVariantLength);
    }
    output += stream.flush();
    expect(masker.mask(input)).toBe(input);
    expect(output).toBe(input);
  });

  it('matches Masker.mask for any chunking of inputs full of secrets, variants and near misses', () => {
    const masker = new Masker(SECRETS);
    const variants = SECRETS.flatMap(secretVariants);
    const random = prng(20240601);
    const noise = [
      '',
      ' ',
      '\n',
      'x',
      'a',
      'ab',
      'abcdef',
      'ef1',
      '12',
      '"',
      '%',
      '+',
      '=',
      '/',
      'Zm9v',
      'gh',
    ];
    for (let iteration = 0; iteration < 400; iteration++) {
      const parts: string[] = [];
      const count = 1 + Math.floor(random() * 12);
      for (let p = 0; p < count; p++) {
        const variant = pick(random, variants);
        const roll = random();
        if (roll < 0.3) parts.push(variant);
        else if (roll < 0.5) parts.push(variant.slice(0, 1 + Math.floor(random() * (variant.length - 1))));
        else if (roll < 0.6) parts.push(variant.slice(Math.floor(random() * variant.length)));
        else if (roll < 0.7) {
          const secret = pick(random, SECRETS);
          const encoding = pick(random, ['base64', 'base64url'] as const);
          parts.push(Buffer.from('x'.repeat(Math.floor(random() * 3)) + secret + 'yy').toString(encoding));
        } else parts.push(pick(random, noise));
      }
      const input = parts.join('');
      const expected = masker.mask(input);
      for (let split = 0; split < 10; split++) {
        const maxPiece = pick(random, [1, 2, 3, 5, 8, 20, 64]);
        expect(streamMask(masker, splitRandomly(random, input, maxPiece))).toBe(expected);
      }
      expect(streamMask(masker, [input])).toBe(expected);
      for (const variant of variants) expect(expected).not.toContain(variant);
    }
  });

  it('handles 64 KiB chunks with secrets at the chunk boundaries', () => {
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const masker = new Masker([secret]);
    const size = 64 * 1024;
    const filler = 'ordinary output line\n'.repeat(Math.ceil(size / 21)).slice(0, size);
    const chunks: string[] = [];
    for (let i = 0; i < 32; i++) {
      const cut = (i * 7) % secret.length;
      chunks.push(filler.slice(0, size - cut) + secret.slice(0, cut));
      chunks.push(secret.slice(cut) + filler.slice(0, 100));
    }
    const input = chunks.join('');
    const output = streamMask(masker, chunks);
    expect(output).toBe(masker.mask(input));
    expect(output).not.toContain(secret.slice(0, 10));
  });
});

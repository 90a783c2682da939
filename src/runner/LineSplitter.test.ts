import { describe, expect, it } from 'vitest';
import { LineSplitter } from './LineSplitter.js';

function split(chunks: string[], max?: number): string[] {
  const s = new LineSplitter(max);
  const out: string[] = [];
  for (const c of chunks) s.push(c, (l) => out.push(l));
  s.flush((l) => out.push(l));
  return out;
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and handles CRLF and empty lines', () => {
    expect(split(['a', 'b\nc\r', '\n\nd'])).toEqual(['ab', 'c', '', 'd']);
  });

  it('splits a gigantic line into bounded pieces without holding more than the limit', () => {
    const out = split(['x'.repeat(25), 'y'.repeat(5), '\nz'], 10);
    expect(out).toEqual(['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxxyyyyy', 'z']);
    expect(out.every((l) => l.length <= 10)).toBe(true);
  });
});

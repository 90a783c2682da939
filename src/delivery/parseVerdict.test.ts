import { describe, expect, it } from 'vitest';
import { parseVerdict } from './parseVerdict.js';

describe('parseVerdict', () => {
  it('reads PASS and FAIL verdict lines and strips them from the findings', () => {
    expect(parseVerdict('All good.\nREVIEW: PASS\n')).toEqual({ outcome: 'PASS', findings: 'All good.' });
    expect(parseVerdict('- a.ts:3: off by one\n- b.ts:9: no test\n\nREVIEW: FAIL')).toEqual({
      outcome: 'FAIL',
      findings: '- a.ts:3: off by one\n- b.ts:9: no test',
    });
  });

  it('tolerates markdown emphasis and takes the last verdict (instructions quoted earlier lose)', () => {
    expect(parseVerdict('**REVIEW: FAIL**').outcome).toBe('FAIL');
    expect(parseVerdict('`REVIEW: PASS`').outcome).toBe('PASS');
    expect(parseVerdict('Answer REVIEW: PASS or REVIEW: FAIL.\nfindings\nREVIEW: FAIL').outcome).toBe('FAIL');
  });

  it('is INCOMPLETE without a verdict, for lower-case or partial words, and on empty answers', () => {
    expect(parseVerdict('').outcome).toBe('INCOMPLETE');
    expect(parseVerdict('I think it passes').outcome).toBe('INCOMPLETE');
    expect(parseVerdict('review: pass').outcome).toBe('INCOMPLETE');
    expect(parseVerdict('REVIEW: PASSABLE').outcome).toBe('INCOMPLETE');
  });

  it('keeps what follows the verdict on its line', () => {
    expect(parseVerdict('REVIEW: FAIL missing tests')).toEqual({
      outcome: 'FAIL',
      findings: 'missing tests',
    });
    expect(parseVerdict('- a.ts:3: off by one\n**REVIEW: FAIL** — also no tests\n')).toEqual({
      outcome: 'FAIL',
      findings: '- a.ts:3: off by one\nalso no tests',
    });
    expect(parseVerdict('REVIEW: PASS: nice work')).toEqual({ outcome: 'PASS', findings: 'nice work' });
    // Only what follows the last verdict of the line: quoted instructions before it are dropped.
    expect(parseVerdict('Answer REVIEW: PASS or REVIEW: FAIL.').findings).toBe('');
  });

  it('bounds the findings', () => {
    const { findings } = parseVerdict(`${'x'.repeat(50_000)}\nREVIEW: FAIL`);
    expect(findings.length).toBe(16_000);
    expect(findings.endsWith('…')).toBe(true);
  });
});

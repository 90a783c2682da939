import { describe, expect, it } from 'vitest';
import { httpUrlProblem } from './httpUrlProblem.js';

describe('httpUrlProblem', () => {
  it('accepts absolute http(s) URLs', () => {
    expect(httpUrlProblem('https://hooks.example.com/drover?x=1')).toBeUndefined();
    expect(httpUrlProblem('http://127.0.0.1:8080')).toBeUndefined();
  });

  it('names what is wrong', () => {
    expect(httpUrlProblem('hooks.example.com')).toBe('must be an absolute http(s) URL');
    expect(httpUrlProblem('ftp://example.com/x')).toBe('must be an http(s) URL');
    expect(httpUrlProblem('https://user:pw@example.com/')).toBe(
      'must not carry credentials (user:password@)',
    );
  });
});

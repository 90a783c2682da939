import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { parseJobSpec, parseJobSpecJson } from './parseJobSpec.js';

const base = { repo: 'https://git.example/org/app.git', prompt: 'Add a /health endpoint' };

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseJobSpec(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).issues;
  }
  throw new Error('expected the spec to be refused');
}

describe('parseJobSpec', () => {
  it('accepts the documented fields and defaults the agent to claude', () => {
    const spec = parseJobSpec({
      ...base,
      baseRef: 'main',
      model: 'm',
      branch: 'feature/x',
      timeout: '15m',
      idleTimeout: 90,
      allowNoChanges: true,
      push: false,
    });
    expect(spec.agent).toBe('claude');
    expect(spec.timeout).toBe('15m');
    expect(spec.idleTimeout).toBe(90);
  });

  it('rejects unknown fields by name', () => {
    expect(issuesOf({ ...base, promt: 'typo' })).toEqual([
      { path: 'promt', message: expect.stringMatching(/unknown field/) },
    ]);
  });

  it('names each bad field', () => {
    const issues = issuesOf({
      repo: 'ext::sh -c x',
      prompt: '  ',
      timeout: 'soon',
      branch: '-x',
      agent: 'gpt',
    });
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(['agent', 'branch', 'prompt', 'repo', 'timeout']);
    expect(issues.find((i) => i.path === 'timeout')?.message).toMatch(/90s, 15m or 1h/);
  });

  it('takes the model gateway fields: a token budget and the per-job off switch', () => {
    expect(parseJobSpec({ ...base, maxTokens: 500_000, gateway: false })).toMatchObject({
      maxTokens: 500_000,
      gateway: false,
    });
    const issues = issuesOf({ ...base, maxTokens: 0, gateway: 'no' });
    expect(issues.map((i) => i.path).sort()).toEqual(['gateway', 'maxTokens']);
  });

  it('requires agentCmd for the command agent and only for it', () => {
    expect(issuesOf({ ...base, agent: 'command' })).toEqual([
      { path: 'agentCmd', message: 'is required when agent is "command"' },
    ]);
    expect(issuesOf({ ...base, agent: 'claude', agentCmd: 'true' })[0]?.path).toBe('agentCmd');
  });

  it('explains malformed JSON payloads', () => {
    expect(() => parseJobSpecJson('{"repo":')).toThrow(/not valid JSON/);
    expect(parseJobSpecJson(JSON.stringify(base)).prompt).toBe(base.prompt);
  });
});

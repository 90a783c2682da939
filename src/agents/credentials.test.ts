import { describe, expect, it } from 'vitest';
import { agentCredentialStatus, authFailureMessage } from './credentials.js';

describe('agent credentials', () => {
  it.each([
    [
      'claude',
      'Not logged in · Please run /login',
      {},
      /^Claude Code has no credentials: set ANTHROPIC_API_KEY/,
    ],
    [
      'claude',
      'Invalid API key · Please run /login',
      { ANTHROPIC_API_KEY: 'sk' },
      /^Claude Code rejected its credentials: /,
    ],
    [
      'codex',
      'Missing environment variable: `MY_KEY`.',
      { DROVER_CODEX_ENV_KEY: 'MY_KEY' },
      /^Codex has no credentials: set MY_KEY /,
    ],
    [
      'codex',
      'unexpected status 401 Unauthorized: Incorrect API key provided',
      { OPENAI_API_KEY: 'x' },
      /^Codex rejected/,
    ],
    [
      'gemini',
      'When using Gemini API, you must specify the GEMINI_API_KEY environment variable.',
      {},
      /^Gemini CLI has no credentials/,
    ],
    [
      'gemini',
      '[API Error: API key not valid. Please pass a valid API key.]',
      { GEMINI_API_KEY: 'x' },
      /^Gemini CLI rejected/,
    ],
  ] as const)('%s: %s', (agent, said, env, message) => {
    const text = authFailureMessage(agent, `some output\n${said}\nmore`, env);
    expect(text).toMatch(message);
    expect(text).toContain(`said: ${said}`);
  });

  it('leaves other failures and the command agent alone; reports presence without values', () => {
    expect(authFailureMessage('claude', 'TypeError: boom', {})).toBeUndefined();
    expect(authFailureMessage('command', 'Not logged in', {})).toBeUndefined();
    expect(agentCredentialStatus('claude', { ANTHROPIC_AUTH_TOKEN: 'secret' })).toMatchObject({
      present: true,
    });
    expect(agentCredentialStatus('gemini', { GOOGLE_GENAI_USE_VERTEXAI: 'false' })).toMatchObject({
      present: false,
    });
    expect(JSON.stringify(agentCredentialStatus('codex', { OPENAI_API_KEY: 'sk-secret' }))).not.toContain(
      'sk-secret',
    );
    expect(agentCredentialStatus('command', {})).toBeUndefined();
  });
});

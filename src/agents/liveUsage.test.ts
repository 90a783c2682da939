import { describe, expect, it } from 'vitest';
import { codexRolloutReader, geminiChatReader } from './liveUsage.js';

// Lines captured from codex 0.169.0 rollout files and gemini-cli 0.61.0 chat records (trimmed of
// fields the readers ignore).
const CODEX_TURN_CONTEXT =
  '{"timestamp":"2026-11-22T02:35:20.383Z","ordinal":5,"type":"turn_context","payload":{"turn_id":"01a2011b","cwd":"/w","approval_policy":"never","model":"gpt-5.5","summary":"none"}}';
const codexTokens = (input: number, cached: number, output: number) =>
  `{"timestamp":"2026-11-22T02:35:20.480Z","ordinal":15,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":${input},"cached_input_tokens":${cached},"cache_write_input_tokens":0,"output_tokens":${output},"reasoning_output_tokens":0,"total_tokens":${input + output}},"last_token_usage":{"input_tokens":1500,"cached_input_tokens":0,"output_tokens":60},"last_usage_includes_reasoning":false,"model_context_window":258400},"rate_limits":{"limit_id":"codex"}}}`;
const geminiMessage = (id: string, input: number, output: number, cached = 0, extra = '') =>
  `{"id":"${id}","timestamp":"2026-11-22T02:35:29.550Z","type":"gemini","content":"Let me look","thoughts":[],"tokens":{"input":${input},"output":${output},"cached":${cached},"thoughts":0,"tool":0,"total":${input + output}},"model":"gemini-2.5-pro"${extra}}`;

describe('codexRolloutReader', () => {
  it('answers the cumulative totals of each token_count, cached tokens apart, with the model', () => {
    const reader = codexRolloutReader();
    expect(reader.push(CODEX_TURN_CONTEXT)).toBeUndefined();
    expect(reader.push(codexTokens(1500, 0, 60))).toEqual({
      inputTokens: 1500,
      outputTokens: 60,
      cachedInputTokens: 0,
      model: 'gpt-5.5',
    });
    expect(reader.push(codexTokens(3000, 1000, 120))).toMatchObject({
      inputTokens: 2000,
      cachedInputTokens: 1000,
    });
    expect(reader.push('{"type":"event_msg","payload":{"type":"token_count","info":null}}')).toBeUndefined();
    expect(reader.push('not json')).toBeUndefined();
  });
});

describe('geminiChatReader', () => {
  it('sums the latest tokens of each reply (a reply is rewritten as its tool calls complete)', () => {
    const reader = geminiChatReader();
    expect(reader.push('{"id":"u1","type":"user","content":[{"text":"do the thing"}]}')).toBeUndefined();
    expect(reader.push(geminiMessage('a', 1400, 70))).toEqual({
      inputTokens: 1400,
      outputTokens: 70,
      cachedInputTokens: 0,
      model: 'gemini-2.5-pro',
    });
    expect(reader.push(geminiMessage('a', 1400, 70, 0, ',"toolCalls":[]'))).toMatchObject({
      inputTokens: 1400,
    });
    expect(reader.push(geminiMessage('b', 1600, 30, 600))).toEqual({
      inputTokens: 2400,
      outputTokens: 100,
      cachedInputTokens: 600,
      model: 'gemini-2.5-pro',
    });
  });
});

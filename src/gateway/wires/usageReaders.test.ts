import { describe, expect, it } from 'vitest';
import { anthropicWire } from './anthropic.js';
import { geminiWire } from './gemini.js';
import { openaiWire } from './openai.js';

describe('usage as billed', () => {
  it('Anthropic: message_delta totals win over message_start; cache writes count as input; thinking is seen', () => {
    const r = anthropicWire.usageReader();
    r.event({
      type: 'message_start',
      message: {
        model: 'claude-opus-4-5',
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 20,
          cache_read_input_tokens: 30,
          output_tokens: 1,
        },
      },
    });
    r.event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } });
    r.event({
      type: 'message_delta',
      usage: {
        output_tokens: 500,
        cache_creation: { ephemeral_1h_input_tokens: 5, ephemeral_5m_input_tokens: 15 },
      },
    });
    expect(r.usage).toMatchObject({
      model: 'claude-opus-4-5',
      inputTokens: 30,
      cacheWriteTokens: 20,
      cacheWrite1hTokens: 5,
      cachedInputTokens: 30,
      outputTokens: 500,
      thinking: true,
      seen: true,
    });
  });

  it('OpenAI Responses: cached tokens are part of input_tokens; reasoning is part of the output; the id is kept', () => {
    const r = openaiWire.usageReader();
    r.event({ type: 'response.created', response: { id: 'resp_1', object: 'response', model: 'gpt-5' } });
    r.event({
      type: 'response.completed',
      response: {
        id: 'resp_1',
        object: 'response',
        model: 'gpt-5',
        usage: {
          input_tokens: 1000,
          input_tokens_details: { cached_tokens: 800 },
          output_tokens: 300,
          output_tokens_details: { reasoning_tokens: 200 },
        },
      },
    });
    expect(r.usage).toMatchObject({
      model: 'gpt-5',
      responseId: 'resp_1',
      inputTokens: 200,
      cachedInputTokens: 800,
      outputTokens: 300,
      reasoningTokens: 200,
    });
  });

  it('Chat Completions: the final chunk’s usage (prompt/completion tokens)', () => {
    const r = openaiWire.usageReader();
    r.event({ object: 'chat.completion.chunk', model: 'gpt-4.1', choices: [{ delta: { content: 'x' } }] });
    r.event({
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 50, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 10 } },
    });
    expect(r.usage).toMatchObject({
      model: 'gpt-4.1',
      inputTokens: 40,
      cachedInputTokens: 10,
      outputTokens: 7,
    });
  });

  it('Gemini: the last usageMetadata; thoughts and tool-use prompts are billed', () => {
    const r = geminiWire.usageReader();
    r.event({ usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1 } });
    r.event({
      modelVersion: 'gemini-2.5-pro',
      usageMetadata: {
        promptTokenCount: 100,
        toolUsePromptTokenCount: 20,
        cachedContentTokenCount: 30,
        candidatesTokenCount: 40,
        thoughtsTokenCount: 60,
      },
    });
    expect(r.usage).toMatchObject({
      model: 'gemini-2.5-pro',
      inputTokens: 90,
      cachedInputTokens: 30,
      outputTokens: 100,
      reasoningTokens: 60,
    });
  });
});

describe('conversations and output caps', () => {
  it('a later call of a conversation is recognized by its first message; context editing gives no bound', () => {
    const a = anthropicWire.conversation({ system: 's', messages: [{ role: 'user', content: 'hi' }] }, 'm');
    const b = anthropicWire.conversation(
      { system: 's', messages: [{ role: 'user', content: 'hi' }, {}, {}], context_management: {} },
      'm',
    );
    expect(b?.key).toBe(a?.key);
    expect([a?.length, b?.length, b?.mayShrink]).toEqual([1, 3, true]);
    const other = anthropicWire.conversation(
      { system: 'title', messages: [{ role: 'user', content: 'hi' }] },
      'm',
    );
    expect(other?.key).not.toBe(a?.key);
  });

  it('caps each dialect’s output field (and thinking budgets below it)', () => {
    const chat: Record<string, unknown> = { model: 'gpt-4.1', messages: [] };
    expect(openaiWire.applyOutputCap(chat, 100, 'gpt-4.1')).toBe(true);
    expect(chat.max_tokens).toBe(100);
    const o: Record<string, unknown> = { model: 'o3', messages: [] };
    openaiWire.applyOutputCap(o, 100, 'o3');
    expect(o.max_completion_tokens).toBe(100);
    const resp: Record<string, unknown> = { input: 'x', max_output_tokens: 50 };
    expect(openaiWire.applyOutputCap(resp, 100, 'gpt-5')).toBe(false);
    const gem: Record<string, unknown> = { generationConfig: { thinkingConfig: { thinkingBudget: 8192 } } };
    geminiWire.applyOutputCap(gem, 1000, 'gemini-2.5-pro');
    expect(gem.generationConfig).toEqual({ maxOutputTokens: 1000, thinkingConfig: { thinkingBudget: 1000 } });
    expect(anthropicWire.minOutputCap({ thinking: { type: 'enabled', budget_tokens: 2000 } })).toBe(1025);
  });

  it('a chat stream is asked for its usage, keeping the client’s other stream options', () => {
    const body: Record<string, unknown> = { messages: [], stream: true, stream_options: { foo: 1 } };
    expect(openaiWire.prepare?.(body, true)).toBe(true);
    expect(body.stream_options).toEqual({ foo: 1, include_usage: true });
    expect(openaiWire.prepare?.({ input: 'x' }, true)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { AgentEvent } from './AgentEvent.js';
import { CodexJsonParser } from './codexJsonParser.js';

// Captured from codex 0.169.0 (`codex exec --json`) against the scripted Responses server.
const RUN = [
  '{"type":"thread.started","thread_id":"01a2011b-aa54-7842-9083-5255338f902c"}',
  '{"type":"turn.started"}',
  '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Let me look"}}',
  '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'echo hello > out.txt && ls\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'echo hello > out.txt && ls\'","aggregated_output":"out.txt\\n","exit_code":0,"status":"completed"}}',
  '{"type":"item.started","item":{"id":"item_2","type":"file_change","changes":[{"path":"/work/main/.scratch5/codex-7YXSJT/work/added.txt","kind":"add"}],"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"/work/main/.scratch5/codex-7YXSJT/work/added.txt","kind":"add"}],"status":"completed"}}',
  '{"type":"item.started","item":{"id":"item_3","type":"command_execution","command":"/bin/bash -lc false","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  '{"type":"item.completed","item":{"id":"item_3","type":"command_execution","command":"/bin/bash -lc false","aggregated_output":"","exit_code":1,"status":"failed"}}',
  '{"type":"item.completed","item":{"id":"item_4","type":"agent_message","text":"All done."}}',
  '{"type":"turn.completed","usage":{"input_tokens":6000,"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":240,"reasoning_output_tokens":0}}',
];

const FAILED = [
  '{"type":"thread.started","thread_id":"01a2011b-3149-7f82-916b-53ef8363861b"}',
  '{"type":"turn.started"}',
  '{"type":"error","message":"{\\"error\\":{\\"type\\":\\"invalid_request_error\\",\\"message\\":\\"bad model thing\\",\\"code\\":null,\\"param\\":null}}"}',
  '{"type":"turn.failed","error":{"message":"{\\"error\\":{\\"type\\":\\"invalid_request_error\\",\\"message\\":\\"bad model thing\\",\\"code\\":null,\\"param\\":null}}"}}',
];

function parseAll(lines: string[]): AgentEvent[] {
  const parser = new CodexJsonParser();
  return lines.flatMap((l) => parser.parseLine(l) ?? []);
}

describe('CodexJsonParser', () => {
  it('normalizes a run with a message, a shell command, a patch and a failing command', () => {
    const events = parseAll(RUN);
    expect(events[0]).toMatchObject({ type: 'agent.init', sessionId: expect.any(String) });
    expect(events.map((e) => e.type)).toEqual([
      'agent.init',
      'agent.text',
      'agent.tool_call',
      'agent.tool_result',
      'agent.tool_call',
      'agent.tool_result',
      'agent.tool_call',
      'agent.tool_result',
      'agent.text',
      'agent.usage',
      'agent.result',
    ]);
    expect(events[2]).toMatchObject({
      name: 'shell',
      input: expect.stringContaining('echo hello > out.txt'),
    });
    expect(events[3]).toMatchObject({ ok: true, summary: 'exit 0: out.txt' });
    expect(events[4]).toMatchObject({ name: 'edit', input: expect.stringMatching(/^add .*added\.txt$/) });
    expect(events[5]).toMatchObject({ ok: true });
    expect(events[7]).toMatchObject({ ok: false, summary: 'exit 1' });
    // 6000 input tokens over 4 responses, none cached; 240 out.
    expect(events[9]).toEqual({
      type: 'agent.usage',
      inputTokens: 6000,
      outputTokens: 240,
      cachedInputTokens: 0,
    });
    expect(events[10]).toMatchObject({ type: 'agent.result', ok: true, message: 'All done.' });
  });

  it('reports a failed turn as a failed result and the error line as a warning', () => {
    const events = parseAll(FAILED);
    expect(events.map((e) => e.type)).toEqual(['agent.init', 'agent.error', 'agent.result']);
    expect(events[1]).toMatchObject({ fatal: false, message: expect.stringContaining('bad model thing') });
    expect(events[2]).toMatchObject({
      ok: false,
      reason: 'turn_failed',
      message: expect.stringContaining('bad model thing'),
    });
  });

  it('keeps non-protocol lines as plain output and announces a call once', () => {
    const parser = new CodexJsonParser();
    expect(parser.parseLine('Reading additional input from stdin...')).toBeNull();
    expect(parser.parseLine('{not json')).toBeNull();
    const completedOnly = parser.parseLine(
      '{"type":"item.completed","item":{"id":"x","type":"command_execution","command":"ls","aggregated_output":"","exit_code":0,"status":"completed"}}',
    );
    expect(completedOnly?.map((e) => e.type)).toEqual(['agent.tool_call', 'agent.tool_result']);
    expect(
      parser.parseLine(
        '{"type":"item.completed","item":{"id":"e","type":"error","message":"model metadata missing"}}',
      ),
    ).toEqual([{ type: 'agent.error', message: 'model metadata missing', fatal: false }]);
  });
});

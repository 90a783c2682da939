import { describe, expect, it } from 'vitest';
import type { AgentEvent } from './AgentEvent.js';
import { GEMINI_TURN_LIMIT, GeminiStreamParser } from './geminiStreamParser.js';

// Captured from gemini-cli 0.61.0 (`gemini -o stream-json`) against the scripted Gemini server.
const RUN = [
  '{"type":"init","timestamp":"2026-11-22T02:35:29.293Z","session_id":"854c753a-23c2-4e99-be4f-e1a777802674","model":"gemini-2.5-pro"}',
  '{"type":"message","timestamp":"2026-11-22T02:35:29.295Z","role":"user","content":"do the thing"}',
  '{"type":"message","timestamp":"2026-11-22T02:35:29.339Z","role":"assistant","content":"Let me look","delta":true}',
  '{"type":"tool_use","timestamp":"2026-11-22T02:35:29.430Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1795314929340_0","parameters":{"command":"echo hello > out.txt && ls"}}',
  '{"type":"tool_result","timestamp":"2026-11-22T02:35:29.634Z","tool_id":"run_shell_command__run_shell_command_1795314929340_0","status":"success","output":"out.txt"}',
  '{"type":"tool_use","timestamp":"2026-11-22T02:35:29.682Z","tool_name":"write_file","tool_id":"write_file__write_file_1795314929664_0","parameters":{"file_path":"/work/main/.scratch5/gemini-PldE1X/work/added.txt","content":"line one\\n"}}',
  '{"type":"tool_result","timestamp":"2026-11-22T02:35:29.743Z","tool_id":"write_file__write_file_1795314929664_0","status":"success"}',
  '{"type":"tool_use","timestamp":"2026-11-22T02:35:29.797Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1795314929791_0","parameters":{"command":"false"}}',
  '{"type":"tool_result","timestamp":"2026-11-22T02:35:29.844Z","tool_id":"run_shell_command__run_shell_command_1795314929791_0","status":"success","output":"Command exited with code: 1"}',
  '{"type":"message","timestamp":"2026-11-22T02:35:29.871Z","role":"assistant","content":"All done.","delta":true}',
  '{"type":"result","timestamp":"2026-11-22T02:35:29.878Z","status":"success","stats":{"total_tokens":5880,"input_tokens":5600,"output_tokens":280,"cached":0,"input":5600,"duration_ms":585,"tool_calls":3,"models":{"gemini-2.5-pro":{"total_tokens":5880,"input_tokens":5600,"output_tokens":280,"cached":0,"input":5600}}}}',
];

const API_ERROR = [
  '{"type":"init","timestamp":"2026-11-22T02:34:50.730Z","session_id":"8bacbaaa-d43f-45d3-8276-a9915f1e2f3b","model":"gemini-2.5-pro"}',
  '{"type":"message","timestamp":"2026-11-22T02:34:50.732Z","role":"user","content":"do the thing"}',
  '{"type":"result","timestamp":"2026-11-22T02:34:50.825Z","status":"error","error":{"type":"unknown","message":"[API Error: {\\"error\\":{\\"code\\":400,\\"message\\":\\"bad request thing\\",\\"status\\":\\"INTERNAL\\"}}]"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-2.5-pro":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}',
];

const TURN_LIMIT = [
  '{"type":"init","timestamp":"2026-11-22T02:34:52.312Z","session_id":"99640ddb-5e9b-4668-994a-97f24ad5f6a0","model":"gemini-2.5-pro"}',
  '{"type":"message","timestamp":"2026-11-22T02:34:52.315Z","role":"user","content":"do the thing"}',
  '{"type":"tool_use","timestamp":"2026-11-22T02:34:52.387Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1795314892348_0","parameters":{"command":"echo 1"}}',
  '{"type":"tool_result","timestamp":"2026-11-22T02:34:52.476Z","tool_id":"run_shell_command__run_shell_command_1795314892348_0","status":"success","output":"1"}',
  '{"type":"tool_use","timestamp":"2026-11-22T02:34:52.495Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1795314892493_0","parameters":{"command":"echo 2"}}',
  '{"type":"tool_result","timestamp":"2026-11-22T02:34:52.523Z","tool_id":"run_shell_command__run_shell_command_1795314892493_0","status":"success","output":"2"}',
  '{"type":"tool_use","timestamp":"2026-11-22T02:34:52.551Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1795314892543_0","parameters":{"command":"echo 3"}}',
  '{"type":"tool_result","timestamp":"2026-11-22T02:34:52.584Z","tool_id":"run_shell_command__run_shell_command_1795314892543_0","status":"success","output":"3"}',
  '{"type":"result","timestamp":"2026-11-22T02:34:52.585Z","status":"error","error":{"type":"FatalTurnLimitedError","message":"Reached max session turns for this session. Increase the number of turns by specifying maxSessionTurns in settings.json."},"stats":{"total_tokens":4410,"input_tokens":4200,"output_tokens":210,"cached":0,"input":4200,"duration_ms":0,"tool_calls":3,"models":{"gemini-2.5-pro":{"total_tokens":4410,"input_tokens":4200,"output_tokens":210,"cached":0,"input":4200}}}}',
];

function parseAll(lines: string[]): AgentEvent[] {
  const parser = new GeminiStreamParser();
  return lines.flatMap((l) => parser.parseLine(l) ?? []);
}

describe('GeminiStreamParser', () => {
  it('normalizes a run with text, shell commands, a file write and a final answer', () => {
    const events = parseAll(RUN);
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
    expect(events[0]).toMatchObject({ sessionId: expect.any(String), model: 'gemini-2.5-pro' });
    expect(events[1]).toEqual({ type: 'agent.text', text: 'Let me look' });
    expect(events[2]).toMatchObject({
      name: 'run_shell_command',
      input: expect.stringContaining('echo hello'),
    });
    expect(events[3]).toMatchObject({ ok: true, summary: 'out.txt' });
    expect(events[4]).toMatchObject({ name: 'write_file' });
    expect(events[9]).toEqual({
      type: 'agent.usage',
      inputTokens: 5600,
      outputTokens: 280,
      cachedInputTokens: 0,
      model: 'gemini-2.5-pro',
    });
    expect(events[10]).toMatchObject({ type: 'agent.result', ok: true, message: 'All done.' });
  });

  it('reports an API error as a failed result', () => {
    const result = parseAll(API_ERROR).at(-1);
    expect(result).toMatchObject({
      type: 'agent.result',
      ok: false,
      message: expect.stringContaining('bad request thing'),
    });
  });

  it('reports the session turn limit with its reason', () => {
    const result = parseAll(TURN_LIMIT).at(-1);
    expect(result).toMatchObject({ type: 'agent.result', ok: false, reason: GEMINI_TURN_LIMIT });
  });

  it('joins assistant deltas into one text event', () => {
    const parser = new GeminiStreamParser();
    expect(parser.parseLine('{"type":"message","role":"assistant","content":"Hel","delta":true}')).toEqual(
      [],
    );
    expect(parser.parseLine('{"type":"message","role":"assistant","content":"lo","delta":true}')).toEqual([]);
    expect(parser.parseLine('{"type":"tool_use","tool_name":"ls","tool_id":"t1","parameters":{}}')).toEqual([
      { type: 'agent.text', text: 'Hello' },
      { type: 'agent.tool_call', name: 'ls', input: '{}', id: 't1' },
    ]);
    expect(parser.parseLine('YOLO mode is enabled.')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { parseHookInput, stopReport } from './hook.js';

// In the shape Claude Code 2.1.330 sends a Stop hook (its documented fields; the e2e test runs the real one).
const STOP =
  '{"session_id":"6f1c9c1e-1d7a-4a51-9d0e-2f0b8e0c7a11","transcript_path":"/state/claude/projects/x/6f1c.jsonl","cwd":"/work/repo","permission_mode":"bypassPermissions","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Created hello.txt."}';

describe('drover hook', () => {
  it('reports a Stop with the session and the last message', () => {
    expect(stopReport(parseHookInput(STOP))).toMatchObject({
      event: 'stop',
      sessionId: '6f1c9c1e-1d7a-4a51-9d0e-2f0b8e0c7a11',
      message: 'Created hello.txt.',
    });
  });

  it('honours stop_hook_active and ignores other hook events', () => {
    expect(
      stopReport(parseHookInput(STOP.replace('"stop_hook_active":false', '"stop_hook_active":true'))),
    ).toBeUndefined();
    expect(stopReport(parseHookInput('{"hook_event_name":"PreToolUse"}'))).toBeUndefined();
  });

  it('names the bad field of an invalid input', () => {
    expect(() => parseHookInput('{"stop_hook_active":"yes"}')).toThrow(/stop_hook_active: .*boolean/);
    expect(() => parseHookInput('not json')).toThrow(InvalidInputError);
    expect(() => parseHookInput('not json')).toThrow(/stdin: the hook input is not JSON/);
  });
});

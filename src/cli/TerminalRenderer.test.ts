import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { TerminalRenderer } from './TerminalRenderer.js';

function stream(tty: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const pass = new PassThrough();
  let text = '';
  pass.on('data', (d: Buffer) => (text += d.toString()));
  return { out: Object.assign(pass, { isTTY: tty }) as unknown as NodeJS.WriteStream, text: () => text };
}

const phase: OutputEntry = {
  seq: 1,
  ts: '',
  stream: 'system',
  type: 'phase',
  line: 'Running agent (command)',
};
const line: OutputEntry = { seq: 2, ts: '', stream: 'stdout', line: 'hello' };

describe('TerminalRenderer', () => {
  it('shows a spinner with the phase and elapsed time on a TTY, cleared before each line', async () => {
    const { out, text } = stream(true);
    const r = new TerminalRenderer(out);
    r.entry(phase);
    await new Promise((res) => setTimeout(res, 250));
    r.entry(line);
    r.stop();
    expect(text()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Running agent \(command\) \d+ms/);
    expect(text()).toContain('\r\x1b[2Khello\n');
  });

  it('prints plain lines without control sequences when not a TTY', () => {
    const { out, text } = stream(false);
    const r = new TerminalRenderer(out);
    r.entry(phase);
    r.entry(line);
    r.entry({ seq: 3, ts: '', stream: 'system', type: 'end', line: 'end of output' });
    r.stop();
    expect(text()).toBe('==> Running agent (command)\nhello\n');
  });

  it('keeps an agent’s colours on a TTY and drops every other control sequence; strips all off a TTY', () => {
    const hostile: OutputEntry = {
      seq: 2,
      ts: '',
      stream: 'stdout',
      line: 'a\x1b]0;title\x07\x1b[31mred\x1b[0m\x1b]52;c;ZXZpbA==\x1b\\\x1b[2J\rb',
    };
    vi.stubEnv('NO_COLOR', '');
    const tty = stream(true);
    const r = new TerminalRenderer(tty.out);
    r.entry(hostile);
    r.stop();
    expect(tty.text()).toBe('a\x1b[31mred\x1b[0mb\n');
    const pipe = stream(false);
    const p = new TerminalRenderer(pipe.out);
    p.entry(hostile);
    p.stop();
    expect(pipe.text()).toBe('aredb\n');
    vi.stubEnv('NO_COLOR', '1');
    const noColor = stream(true);
    const n = new TerminalRenderer(noColor.out);
    n.entry(hostile);
    n.stop();
    expect(noColor.text()).toBe('aredb\n');
    vi.unstubAllEnvs();
  });

  it('asks the producer to wait while a slow pipe has more queued than it wants', async () => {
    let release: () => void = () => {};
    let open = false;
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        // The reader takes nothing until released, then everything.
        if (open) done();
        else
          release = () => {
            open = true;
            done();
          };
      },
    }) as unknown as NodeJS.WriteStream;
    const r = new TerminalRenderer(slow);
    const big: OutputEntry = { seq: 1, ts: '', stream: 'stdout', line: 'x'.repeat(70_000) };
    const wait = r.entry(big); // flushed at 64 KiB: the pipe is now over its mark
    expect(wait).toBeInstanceOf(Promise);
    expect(r.entry({ ...big, seq: 2, line: 'next' })).toBe(wait);
    let settled = false;
    void wait!.then(() => (settled = true));
    await new Promise((res) => setImmediate(res));
    expect(settled).toBe(false);
    release();
    await wait;
    expect(settled).toBe(true);
    r.stop();
  });
});

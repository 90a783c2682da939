import { describe, expect, it } from 'vitest';
import { SseReader } from './SseReader.js';

function read(chunks: string[]): unknown[] {
  const out: unknown[] = [];
  const reader = new SseReader((d) => out.push(d));
  for (const c of chunks) reader.push(Buffer.from(c));
  reader.end();
  return out;
}

describe('SseReader', () => {
  const stream =
    'event: message_start\ndata: {"a":1}\n\n: comment\ndata: {"b":\ndata: 2}\n\ndata: [DONE]\n\ndata: {"é":"ü"}\n\n';

  it('parses each event once, whatever the chunk boundaries (bytes split mid-character too)', () => {
    const expected = [{ a: 1 }, { b: 2 }, { é: 'ü' }];
    expect(read([stream])).toEqual(expected);
    const bytes = Buffer.from(stream);
    for (let cut = 1; cut < bytes.length; cut++) {
      const out: unknown[] = [];
      const reader = new SseReader((d) => out.push(d));
      reader.push(bytes.subarray(0, cut));
      reader.push(bytes.subarray(cut));
      reader.end();
      expect([cut, out]).toEqual([cut, expected]);
    }
  });

  it('accepts CRLF and CR line ends, a CRLF split across chunks, and a last event without a blank line', () => {
    expect(read(['data: {"x":1}\r', '\n\r\ndata: {"y":2}\r\rdata: {"z":3}'])).toEqual([
      { x: 1 },
      { y: 2 },
      { z: 3 },
    ]);
  });

  it('skips what is not JSON', () => {
    expect(read(['data: nope\n\ndata: {"ok":true}\n\n'])).toEqual([{ ok: true }]);
  });
});

describe('SseReader interest', () => {
  it('parses only the events the usage reader asks for, by event name or by a cheap look at the data', () => {
    const seen: { event: string | undefined; data: string }[] = [];
    const out: unknown[] = [];
    const reader = new SseReader(
      (d) => out.push(d),
      (event, data) => {
        seen.push({ event, data: data.toString() });
        return event === 'message_delta' || data.includes('"usage"');
      },
    );
    reader.push(
      Buffer.from(
        'event: content_block_delta\ndata: {"delta":"x"}\n\nevent: message_delta\ndata: {"usage":{"output_tokens":3}}\n\ndata: {"usage":{"n":1}}\n\ndata: {"other":1}\n\n',
      ),
    );
    reader.end();
    expect(out).toEqual([{ usage: { output_tokens: 3 } }, { usage: { n: 1 } }]);
    expect(seen.map((s) => s.event)).toEqual(['content_block_delta', 'message_delta', undefined, undefined]);
  });
});

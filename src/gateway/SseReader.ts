import { StringDecoder } from 'node:string_decoder';

/** Events larger than this are skipped (a usage report is small; this bounds memory, not output). */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/**
 * Reads Server-Sent Events from a byte stream as it passes through: each event's `data` (its lines
 * joined) is parsed as JSON and handed on. Copies nothing it does not need; the bytes themselves go to
 * the agent untouched.
 */
export class SseReader {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private data: string[] = [];
  private dataChars = 0;
  private lastWasCr = false;

  constructor(private readonly onData: (data: unknown) => void) {}

  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  end(): void {
    this.feed(this.decoder.end());
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.dispatch();
  }

  private feed(text: string): void {
    if (text.length === 0) return;
    let start = 0;
    // A \r\n pair split across chunks ends one line, not two.
    if (this.lastWasCr && text.charCodeAt(0) === 10) start = 1;
    this.lastWasCr = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.partial + text.slice(start, i));
      this.partial = '';
      if (c === 13) {
        if (i + 1 === text.length) this.lastWasCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    if (start < text.length) {
      this.partial += text.slice(start);
      if (this.partial.length > MAX_EVENT_CHARS) this.partial = '';
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (!line.startsWith('data:')) return; // event:, id:, retry:, comments
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    this.dataChars += value.length;
    if (this.dataChars <= MAX_EVENT_CHARS) this.data.push(value);
  }

  private dispatch(): void {
    if (this.data.length === 0) return;
    const text = this.data.length === 1 ? this.data[0]! : this.data.join('\n');
    const skipped = this.dataChars > MAX_EVENT_CHARS;
    this.data = [];
    this.dataChars = 0;
    if (skipped || text === '[DONE]') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    this.onData(value);
  }
}

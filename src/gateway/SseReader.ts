/** Events larger than this are skipped (a usage report is small; this bounds memory, not output). */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;
const LF = 10;
const CR = 13;
const DATA = Buffer.from('data:');
const EVENT = Buffer.from('event:');

/** Which events are worth parsing: cheap tests on the event name and the raw data bytes. */
export type SseInterest = (event: string | undefined, data: Buffer) => boolean;

/**
 * Reads Server-Sent Events from a byte stream as it passes through, without slowing it down: lines are
 * found with native byte searches, and only the events `interest` picks (those that can carry usage)
 * are decoded and parsed as JSON; content deltas, most of the bytes, are never decoded.
 */
export class SseReader {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private data: Buffer[] = [];
  private dataBytes = 0;
  private event: string | undefined;
  private lastWasCr = false;

  constructor(
    private readonly onData: (data: unknown) => void,
    private readonly interest: SseInterest = () => true,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    // A CRLF split across chunks ends one line, not two.
    if (this.lastWasCr && chunk[0] === LF) start = 1;
    this.lastWasCr = false;
    const crFree = chunk.indexOf(CR, start) === -1;
    while (start < chunk.length) {
      const end = crFree ? chunk.indexOf(LF, start) : nextEol(chunk, start);
      if (end === -1) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.line(this.joinPartial(chunk.subarray(start, end)));
      if (chunk[end] === CR) {
        if (end + 1 === chunk.length) this.lastWasCr = true;
        else if (chunk[end + 1] === LF) start = end + 2;
        else start = end + 1;
        if (this.lastWasCr) return;
        continue;
      }
      start = end + 1;
    }
  }

  end(): void {
    if (this.partialBytes > 0) this.line(this.joinPartial(Buffer.alloc(0)));
    this.dispatch();
  }

  private keep(rest: Buffer): void {
    this.partialBytes += rest.length;
    if (this.partialBytes > MAX_EVENT_BYTES) {
      this.partial = [];
      this.partialBytes = 0;
      return;
    }
    // A copy: the chunk belongs to the stream that goes on to the agent.
    this.partial.push(Buffer.from(rest));
  }

  private joinPartial(tail: Buffer): Buffer {
    if (this.partialBytes === 0) return tail;
    const line = Buffer.concat([...this.partial, tail]);
    this.partial = [];
    this.partialBytes = 0;
    return line;
  }

  private line(line: Buffer): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (startsWith(line, DATA)) {
      const value = line.subarray(line[5] === 32 ? 6 : 5);
      this.dataBytes += value.length;
      if (this.dataBytes <= MAX_EVENT_BYTES) this.data.push(value);
    } else if (startsWith(line, EVENT)) {
      this.event = line.toString('utf8', line[6] === 32 ? 7 : 6);
    }
    // id:, retry: and comments carry nothing Drover needs.
  }

  private dispatch(): void {
    const event = this.event;
    this.event = undefined;
    if (this.data.length === 0) return;
    const parts = this.data;
    const skipped = this.dataBytes > MAX_EVENT_BYTES;
    this.data = [];
    this.dataBytes = 0;
    if (skipped) return;
    const data = parts.length === 1 ? parts[0]! : joinLines(parts);
    if (!this.interest(event, data)) return;
    let value: unknown;
    try {
      value = JSON.parse(data.toString('utf8'));
    } catch {
      return; // `[DONE]` and anything else that is not JSON
    }
    this.onData(value);
  }
}

function nextEol(chunk: Buffer, start: number): number {
  const lf = chunk.indexOf(LF, start);
  const cr = chunk.indexOf(CR, start);
  if (lf === -1) return cr;
  if (cr === -1) return lf;
  return Math.min(lf, cr);
}

function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length >= prefix.length && line.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

function joinLines(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(Buffer.from('\n'));
    out.push(p);
  });
  return Buffer.concat(out);
}

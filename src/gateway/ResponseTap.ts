import { once } from 'node:events';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { SseReader } from './SseReader.js';
import { emptyUsage, type UsageReader, type WireUsage } from './wires/types.js';

/** A JSON answer larger than this is passed on without reading its usage. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

type Decoder = ReturnType<typeof createGunzip>;

/**
 * Reads a response's usage from a copy of its bytes while they go to the agent untouched: SSE events
 * one by one, or one JSON document at the end; a compressed answer is inflated for reading only.
 * Optionally keeps the first `recordLimit` bytes (DROVER_RECORD_MODEL_BODIES).
 */
export class ResponseTap {
  private sse: SseReader | undefined;
  private json: Buffer[] | undefined;
  private jsonBytes = 0;
  private decoder: Decoder | undefined;
  private decoded: Promise<unknown> | undefined;
  private recorded: Buffer[] = [];
  private recordedBytes = 0;

  constructor(
    private readonly reader: UsageReader,
    private readonly recordLimit: number,
  ) {}

  start(headers: Record<string, string | string[] | undefined>): void {
    const type = String(headers['content-type'] ?? '');
    if (type.includes('text/event-stream'))
      this.sse = new SseReader(
        (data) => this.reader.event(data),
        (event, data) => this.reader.interest(event, data),
      );
    else if (type.includes('json')) this.json = [];
    const encoding = String(headers['content-encoding'] ?? 'identity').toLowerCase();
    this.decoder =
      encoding === 'gzip'
        ? createGunzip()
        : encoding === 'deflate'
          ? createInflate()
          : encoding === 'br'
            ? createBrotliDecompress()
            : undefined;
    if (this.decoder) {
      this.decoder.on('data', (chunk: Buffer) => this.read(chunk));
      this.decoder.on('error', () => {}); // unreadable usage is reported as none, never as a failed call
      this.decoded = once(this.decoder, 'end').catch(() => undefined);
    }
  }

  push(chunk: Buffer): void {
    if (this.recordLimit > 0 && this.recordedBytes < this.recordLimit) {
      this.recorded.push(chunk);
      this.recordedBytes += chunk.length;
    }
    if (this.decoder) this.decoder.write(chunk);
    else this.read(chunk);
  }

  private read(chunk: Buffer): void {
    if (this.sse) this.sse.push(chunk);
    else if (this.json) {
      this.jsonBytes += chunk.length;
      if (this.jsonBytes <= MAX_JSON_BYTES) this.json.push(chunk);
    }
  }

  async end(): Promise<void> {
    if (this.decoder) {
      this.decoder.end();
      await this.decoded;
    }
    this.sse?.end();
    if (this.json && this.jsonBytes > 0 && this.jsonBytes <= MAX_JSON_BYTES) {
      try {
        this.reader.document(JSON.parse(Buffer.concat(this.json).toString('utf8')));
      } catch {
        // Not JSON after all (an error page): no usage.
      }
    }
  }

  get usage(): WireUsage {
    return this.reader.usage.seen ? this.reader.usage : { ...emptyUsage(), ...pickModel(this.reader.usage) };
  }

  body(): string {
    const text = Buffer.concat(this.recorded).toString('utf8');
    return this.recordedBytes > this.recordLimit ? `${text}…(truncated)` : text;
  }
}

function pickModel(usage: WireUsage): Partial<WireUsage> {
  return usage.model ? { model: usage.model } : {};
}

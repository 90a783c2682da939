import type { ServerResponse } from 'node:http';

export interface SseEvent {
  id?: string | number;
  event?: string;
  /** Serialized as one line of JSON (JSON never contains a raw CR or LF). */
  data: unknown;
}

const FIELD = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Formats one Server-Sent Event. A CR or LF in the id or event name would let a value inject extra
 * fields or events, so anything outside a conservative character set is refused, not escaped.
 */
export function formatSseEvent(event: SseEvent): string {
  let out = '';
  if (event.id !== undefined) {
    const id = String(event.id);
    if (!FIELD.test(id)) throw new Error(`invalid SSE id ${JSON.stringify(id)}`);
    out += `id: ${id}\n`;
  }
  if (event.event !== undefined) {
    if (!FIELD.test(event.event)) throw new Error(`invalid SSE event name ${JSON.stringify(event.event)}`);
    out += `event: ${event.event}\n`;
  }
  return `${out}data: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * One open event stream on a raw response: waits for the socket to drain (a slow client slows
 * the reader instead of growing memory), sends heartbeat comments so proxies keep the connection,
 * and aborts `signal` when the client goes away.
 */
export class SseConnection {
  private readonly controller = new AbortController();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    heartbeatMs: number,
  ) {
    res.on('close', () => this.close());
    this.heartbeat = setInterval(() => {
      if (!this.closed) res.write(': ping\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get closed(): boolean {
    return this.controller.signal.aborted;
  }

  /** Writes raw text (a formatted event or a comment); resolves once the socket can take more. */
  async write(chunk: string): Promise<void> {
    if (this.closed) return;
    if (this.res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.controller.signal.removeEventListener('abort', done);
        resolve();
      };
      this.res.once('drain', done);
      this.controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  send(event: SseEvent): Promise<void> {
    return this.write(formatSseEvent(event));
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.heartbeat);
    this.controller.abort();
    if (!this.res.writableEnded) this.res.end();
  }
}

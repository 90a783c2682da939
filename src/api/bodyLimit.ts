import { Transform, type TransformCallback } from 'node:stream';
import { errorCodes, type FastifyInstance } from 'fastify';

export interface BodyLimitOptions {
  /** Largest body accepted, in bytes. */
  limit: number;
  /** How much of an oversized body is read (and dropped) so the client gets its 413. */
  discardBytes?: number;
  /** How long an oversized body is read before the connection is closed anyway. */
  discardMs?: number;
}

const tooLarge = () => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();

/**
 * 413 for every oversized body, the same way each time. Answering while the client is still sending
 * and then closing makes the kernel reset the connection, and many clients (those that write the whole
 * body before reading) report the reset instead of the 413. So the rest of the body is read and
 * dropped — up to `discardBytes` or `discardMs` — and the 413 is sent once it is in; past the bound the
 * 413 goes with `Connection: close`. Works with Content-Length and with chunked bodies.
 */
export function installBodyLimit(app: FastifyInstance, opts: BodyLimitOptions): void {
  const discardBytes = opts.discardBytes ?? 64 * 1024 * 1024;
  const discardMs = opts.discardMs ?? 30_000;
  app.addHook('preParsing', async (request, reply, payload) => {
    const declared = Number(request.headers['content-length']);
    const chunked = request.headers['transfer-encoding'] !== undefined;
    if (!chunked && !(declared > 0)) return payload;
    const guard = new BodyGuard(opts.limit, discardBytes, discardMs, () =>
      reply.header('connection', 'close'),
    );
    if (declared > opts.limit) {
      // Declared too large: nothing is kept, everything (within the bound) is read and dropped.
      guard.startDiscarding();
      await new Promise<void>((resolve) => {
        payload.once('close', resolve); // the client went away
        payload.pipe(guard).on('error', () => resolve());
        guard.resume();
      });
      throw tooLarge();
    }
    // Answered without reading the body (415, a hook's early reply): drain it so the connection goes on.
    reply.raw.once('finish', () => guard.resume());
    return payload.pipe(guard);
  });
}

class BodyGuard extends Transform {
  private received = 0;
  private exceeded = false;
  private timer: NodeJS.Timeout | undefined;
  /** Fastify's check against a declared Content-Length reads this. */
  receivedEncodedLength = 0;

  constructor(
    private readonly limit: number,
    private readonly discardBytes: number,
    private readonly discardMs: number,
    private readonly closeAfter: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (!this.exceeded && this.received <= this.limit) {
      this.receivedEncodedLength = this.received;
      callback(null, chunk);
      return;
    }
    this.startDiscarding();
    if (this.received > this.discardBytes) {
      this.giveUp();
      callback();
      return;
    }
    callback(); // read and dropped
  }

  /** From now on the body is read and dropped, for at most discardMs. */
  startDiscarding(): void {
    this.exceeded = true;
    this.timer ??= setTimeout(() => this.giveUp(), this.discardMs);
  }

  override _flush(callback: TransformCallback): void {
    if (this.timer) clearTimeout(this.timer);
    callback(this.exceeded ? tooLarge() : null);
  }

  /** Past the bound: the 413 goes now and the connection closes after it. */
  private giveUp(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.destroyed) return;
    this.closeAfter();
    this.destroy(tooLarge());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    callback(error);
  }
}

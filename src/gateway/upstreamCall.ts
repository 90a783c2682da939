import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** Where an upstream answer goes as it arrives. */
export interface UpstreamSink {
  head(status: number, headers: IncomingHttpHeaders): void;
  /** false: the reader is behind; the answer waits until `onDrain` calls back. */
  data(chunk: Buffer): boolean;
  onDrain(resume: () => void): void;
}

export interface UpstreamRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal: AbortSignal;
}

/**
 * One request to the model API through undici's dispatcher, its answer handed chunk by chunk to the
 * sink as the socket delivers it (no intermediate stream objects on the hot path), pausing the socket
 * while the sink is behind. Resolves at the end of the answer; rejects on an error or abort.
 */
export function upstreamCall(
  dispatcher: Dispatcher,
  req: UpstreamRequest,
  sink: UpstreamSink,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    const onAbort = () => controller?.abort(abortError(req.signal));
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      req.signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    if (req.signal.aborted) {
      finish(abortError(req.signal));
      return;
    }
    req.signal.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        ...(req.body ? { body: req.body } : {}),
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      {
        onRequestStart(c) {
          controller = c;
          if (req.signal.aborted) c.abort(abortError(req.signal));
        },
        onResponseStart(_c, status, headers) {
          if (status >= 200) sink.head(status, headers);
        },
        onResponseData(c, chunk) {
          if (sink.data(chunk)) return;
          c.pause();
          sink.onDrain(() => c.resume());
        },
        onResponseEnd() {
          finish();
        },
        onResponseError(_c, err) {
          finish(err);
        },
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
}

import { authHeaders, type Job, noteUnauthorized, type OutputEntry, TERMINAL } from './api';

export interface FollowHandlers {
  onEntry(entry: OutputEntry): void;
  onJob(job: Job): void;
  /** The stream is over: the job ended and everything was seen. */
  onEnd(): void;
  onState?(state: StreamState): void;
}

interface Message {
  id: string | undefined;
  event: string;
  data: string;
}

/** Splits an SSE byte stream into messages (https://html.spec.whatwg.org/#event-stream-interpretation). */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onMessage: (m: Message) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let msg: Message = { id: undefined, event: 'message', data: '' };
  let hasData = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (hasData) onMessage(msg);
        msg = { id: undefined, event: 'message', data: '' };
        hasData = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') {
        msg.data += (hasData ? '\n' : '') + value;
        hasData = true;
      } else if (field === 'event') msg.event = value;
      else if (field === 'id') msg.id = value;
    }
  }
}

export type StreamState = 'live' | 'reconnecting' | 'unauthorized';

export interface StreamHandlers {
  /** One message; true when it is the last the server sends (the stream is over, no reconnect). */
  onMessage(m: Message): boolean | undefined;
  /** The stream is over: the last message came, or the server answered 204 (nothing more to send). */
  onEnd?(): void;
  onState?(state: StreamState): void;
}

/**
 * Follows an event stream with fetch (so the token goes in a header, never in the URL), and
 * reconnects with Last-Event-ID after a drop, backing off up to 10s: the server resends exactly
 * what was missed. A 401 stops. Returns a function that stops following.
 */
export function followStream(url: string, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  let lastId = '0';
  let over = false;
  const run = async () => {
    for (let attempt = 0; !controller.signal.aborted && !over; attempt++) {
      try {
        const res = await fetch(url, {
          headers: { ...authHeaders(), accept: 'text/event-stream', 'last-event-id': lastId },
          signal: controller.signal,
        });
        noteUnauthorized(res.status === 401);
        if (res.status === 401) {
          handlers.onState?.('unauthorized');
          return;
        }
        if (res.status === 204) break;
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        attempt = 0;
        handlers.onState?.('live');
        await readEvents(res.body, (m) => {
          if (m.id !== undefined) lastId = m.id;
          over = handlers.onMessage(m) === true;
        });
        // The server ends the stream after its last message; anything else was a drop.
        if (over) break;
      } catch {
        if (controller.signal.aborted) return;
      }
      handlers.onState?.('reconnecting');
      await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** Math.min(attempt, 4))));
    }
    if (!controller.signal.aborted) handlers.onEnd?.();
  };
  void run();
  return () => controller.abort();
}

/** Follows a job's output and record until the job is terminal and everything was seen. */
export function followJob(jobId: string, handlers: FollowHandlers): () => void {
  return followStream(`/api/jobs/${encodeURIComponent(jobId)}/events`, {
    onMessage(m) {
      if (m.event !== 'job') {
        handlers.onEntry(JSON.parse(m.data) as OutputEntry);
        return false;
      }
      const job = JSON.parse(m.data) as Job;
      handlers.onJob(job);
      return TERMINAL.includes(job.status);
    },
    onEnd: handlers.onEnd,
    onState: handlers.onState,
  });
}

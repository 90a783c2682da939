import { StringDecoder } from 'node:string_decoder';
import type { Masker } from '../secrets/Masker.js';
import { StreamMasker } from '../secrets/StreamMasker.js';
import { LineSplitter } from './LineSplitter.js';
import type { ChunkHandler } from './superviseProcess.js';

/** Receives one masked line; may return a promise to slow the producer down. */
export type LineHandler = (line: string) => Promise<void> | undefined;

export interface LineSink {
  write: ChunkHandler;
  /** Emits what is left after the process's stream closed. */
  end(): Promise<void> | undefined;
}

/**
 * Bytes from a child's pipe → UTF-8 text (multi-byte sequences split across chunks are kept whole)
 * → masked (a secret split across chunks is held back until it can be judged) → bounded lines.
 */
export function lineSink(masker: Masker, onLine: LineHandler, maxLineLength?: number): LineSink {
  const decoder = new StringDecoder('utf8');
  const streamMasker = new StreamMasker(masker);
  const splitter = new LineSplitter(maxLineLength);
  let wait: Promise<void> | undefined;
  const emit = (line: string) => {
    const pending = onLine(line);
    if (pending) wait = pending;
  };
  const take = () => {
    const w = wait;
    wait = undefined;
    return w;
  };
  return {
    write(chunk) {
      splitter.push(streamMasker.push(decoder.write(chunk)), emit);
      return take();
    },
    end() {
      splitter.push(streamMasker.push(decoder.end()), emit);
      splitter.push(streamMasker.flush(), emit);
      splitter.flush(emit);
      return take();
    },
  };
}

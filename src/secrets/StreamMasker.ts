import type { Masker } from './Masker.js';

/**
 * Masks a stream of decoded text chunks so that a secret split across chunks is still caught: the output of
 * every push() plus flush(), concatenated, equals `masker.mask(wholeInput)` however the input was chunked.
 *
 * A chunk's end that could be the start of a secret is held back until the next chunk decides it; the
 * hold-back is at most `masker.maxVariantLength - 1` characters, so memory stays bounded.
 */
export class StreamMasker {
  private pending = '';
  /** Leading characters of `pending` already covered by an emitted `***`. */
  private open = 0;

  constructor(private readonly masker: Masker) {}

  /** Masked text that is safe to emit now. */
  push(chunk: string): string {
    if (this.masker.size === 0 && this.pending === '') return chunk;
    const text = this.pending + chunk;
    // Only the tail is examined for a partial match; the regex scan in maskUntil is linear in the text.
    const stop = this.masker.partialMatchStart(text);
    return this.emit(text, stop);
  }

  /** Masks whatever is still held back; call at end of stream. The masker can be reused afterwards. */
  flush(): string {
    const text = this.pending;
    return this.emit(text, text.length);
  }

  private emit(text: string, stop: number): string {
    const { masked, open } = this.masker.maskUntil(text, stop, this.open);
    this.pending = text.slice(stop);
    this.open = open;
    return masked;
  }
}

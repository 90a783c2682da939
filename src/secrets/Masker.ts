import { secretVariants } from './secretVariants.js';

export const MASK = '***';

/** Result of {@link Masker.maskUntil}: masked text for the consumed part and the masked run it leaves open. */
export interface PartialMask {
  masked: string;
  /** How many characters past `stop` are already covered by the `***` at the end of `masked` (0: none). */
  open: number;
}

interface TrieNode {
  next: Map<number, TrieNode>;
}

/**
 * Replaces every known secret, in every form {@link secretVariants} lists, with `***`. Occurrences that overlap
 * (two secrets sharing characters, or a secret repeated onto itself) merge into one `***`, so no fragment of
 * either survives; at each position the longest variant wins.
 *
 * Sits on the log hot path: the combined regex is built once per change of the secret set, not per call.
 */
export class Masker {
  private readonly secrets = new Set<string>();
  private readonly variants = new Set<string>();
  private stale = false;
  private pattern: RegExp | undefined;
  private trie: TrieNode | undefined;
  private longest = 0;

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret; empty, too-short and already-known values are ignored. */
  add(secret: string): void {
    if (this.secrets.has(secret)) return;
    const variants = secretVariants(secret);
    if (variants.length === 0) return;
    this.secrets.add(secret);
    for (const variant of variants) this.variants.add(variant);
    this.stale = true;
  }

  /** Number of secrets being masked. */
  get size(): number {
    return this.secrets.size;
  }

  /** Length of the longest variant: a stream masker never needs to hold back more than this minus one. */
  get maxVariantLength(): number {
    this.refresh();
    return this.longest;
  }

  mask(text: string): string {
    if (this.secrets.size === 0) return text;
    return this.maskUntil(text, text.length, 0).masked;
  }

  /**
   * Masks `text[0, stop)`, where only occurrences starting before `stop` are final (text from `stop` on may
   * still grow). `open` > 0 says `text[0, open)` continues a masked run whose `***` was already emitted.
   * Occurrences starting at `stop` or later are left for the next call, which must start at `stop`.
   */
  maskUntil(text: string, stop: number, open: number): PartialMask {
    const pattern = this.compiled();
    if (pattern === undefined) return { masked: text.slice(open, stop), open: 0 };
    let masked = '';
    let emitted = 0; // text before this index is accounted for in `masked`
    let runStart = open > 0 ? 0 : -1;
    let runEnd = open;
    let runMasked = open > 0; // the run's `***` was emitted by an earlier call
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null && match.index < stop; match = pattern.exec(text)) {
      const start = match.index;
      const end = start + match[0].length;
      if (runStart >= 0 && start < runEnd) {
        if (end > runEnd) runEnd = end;
      } else {
        if (runStart >= 0) {
          if (!runMasked) masked += MASK;
          emitted = runEnd;
        }
        masked += text.slice(emitted, start);
        runStart = start;
        runEnd = end;
        runMasked = false;
      }
      // Look for overlapping occurrences too, not just the next one after this match.
      pattern.lastIndex = start + 1;
    }
    if (runStart < 0) return { masked: masked + text.slice(emitted, stop), open: 0 };
    if (!runMasked) masked += MASK;
    if (runEnd > stop) return { masked, open: runEnd - stop };
    return { masked: masked + text.slice(runEnd, stop), open: 0 };
  }

  /**
   * Start of the longest suffix of `text` that is a proper prefix of some variant, i.e. where a secret may be
   * starting that the next chunk completes; `text.length` when there is none. Only the last
   * maxVariantLength - 1 characters are examined.
   */
  partialMatchStart(text: string): number {
    this.refresh();
    const root = this.trie;
    if (root === undefined) return text.length;
    for (let i = Math.max(0, text.length - (this.longest - 1)); i < text.length; i++) {
      let node: TrieNode | undefined = root;
      for (let j = i; j < text.length && node !== undefined; j++) node = node.next.get(text.charCodeAt(j));
      // Reaching the end inside the trie with children left means a longer variant could still match here.
      if (node !== undefined && node.next.size > 0) return i;
    }
    return text.length;
  }

  private compiled(): RegExp | undefined {
    this.refresh();
    return this.pattern;
  }

  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    // Longest first, so at any position the alternation picks the longest variant that matches there.
    const sorted = [...this.variants].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
    this.pattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
    this.longest = sorted[0]?.length ?? 0;
    const root: TrieNode = { next: new Map() };
    for (const variant of sorted) {
      let node = root;
      for (let i = 0; i < variant.length; i++) {
        const code = variant.charCodeAt(i);
        let child = node.next.get(code);
        if (child === undefined) {
          child = { next: new Map() };
          node.next.set(code, child);
        }
        node = child;
      }
    }
    this.trie = sorted.length > 0 ? root : undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

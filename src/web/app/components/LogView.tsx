import { Component } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { findMatches, type Piece, plainText, segmentsOf, splitAtMatches } from '../ansi';
import type { OutputEntry } from '../api';
import { LogSearch } from './LogSearch';

/** Entries kept in the page; older ones stay available from the logs API. */
export const MAX_LINES = 5000;

type Range = [number, number];

function label(entry: OutputEntry): string {
  if (entry.stream === 'agent') return entry.type?.replace(/^agent\./, '') ?? 'agent';
  if (entry.stream === 'system') return entry.type ?? 'system';
  return entry.stream;
}

const cssName = (value: unknown) => (typeof value === 'string' ? value.replace(/[^a-z_-]/gi, '-') : '');
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
function clock(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Match ranges per entry, cached per query so unchanged lines keep the same array (and skip re-rendering). */
const rangeCache = new WeakMap<OutputEntry, { query: string; ranges: Range[] }>();
function rangesOf(entry: OutputEntry, query: string): Range[] {
  const hit = rangeCache.get(entry);
  if (hit && hit.query === query) return hit.ranges;
  const ranges = findMatches(plainText(segmentsOf(entry)), query);
  rangeCache.set(entry, { query, ranges });
  return ranges;
}

function Text({ piece }: { piece: Piece }) {
  if (!piece.classes && !piece.color && !piece.background) return <>{piece.text}</>;
  // Colours outside the 16-colour palette go through the CSSOM (element.style), which the CSP allows.
  const style: Record<string, string> = {};
  if (piece.color) style.color = piece.color;
  if (piece.background) style.backgroundColor = piece.background;
  return (
    <span class={piece.classes || undefined} style={piece.color || piece.background ? style : undefined}>
      {piece.text}
    </span>
  );
}

interface LineProps {
  entry: OutputEntry;
  ranges: Range[];
  /** Index (within this line) of the current search match, or -1. */
  current: number;
}

/** One log line; re-renders only when its entry, its matches or the current match change. */
class LogLine extends Component<LineProps> {
  override shouldComponentUpdate(next: LineProps): boolean {
    const p = this.props;
    return next.entry !== p.entry || next.ranges !== p.ranges || next.current !== p.current;
  }

  override render({ entry: e, ranges, current }: LineProps) {
    const pieces = splitAtMatches(segmentsOf(e), ranges);
    const status = e.type === 'status' ? cssName(e.data?.status) : '';
    return (
      <div
        class={`line s-${e.stream} t-${cssName(e.type ?? '')}${status ? ` st-${status}` : ''}`}
        data-seq={e.seq}
        title={new Date(e.ts).toLocaleString()}
      >
        <time class="ts" dateTime={e.ts}>
          {clock(e.ts)}
        </time>
        <span class="tag">{label(e)}</span>
        <span class="text">
          {pieces.map((piece, i) =>
            piece.match === undefined ? (
              <Text key={String(i)} piece={piece} />
            ) : (
              <mark key={String(i)} class={piece.match === current ? 'current' : undefined}>
                <Text piece={piece} />
              </mark>
            ),
          )}
        </span>
      </div>
    );
  }
}

/**
 * The live log: ANSI colours rendered as classes, timestamps on hover (or always), search with
 * highlighted matches. Follows the bottom while the reader is there; scrolling up or searching stops
 * following (a button jumps back), so reading older lines is not interrupted by new ones.
 */
export function LogView({ entries, dropped }: { entries: OutputEntry[]; dropped: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [showTimes, setShowTimes] = useState(false);

  const matches = useMemo(() => {
    const flat: { seq: number; index: number }[] = [];
    if (!query) return flat;
    for (const e of entries) {
      const ranges = rangesOf(e, query);
      for (let i = 0; i < ranges.length; i++) flat.push({ seq: e.seq, index: i });
    }
    return flat;
  }, [entries, query]);
  const active = matches[Math.min(current, matches.length - 1)];

  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [entries, follow]);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const onScroll = () => setFollow(el.scrollTop + el.clientHeight >= el.scrollHeight - 24);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  // Brings the current match into the middle of the log box (not the page).
  const activeKey = active ? `${active.seq}:${active.index}` : '';
  useLayoutEffect(() => {
    const el = box.current;
    const mark = el?.querySelector<HTMLElement>('mark.current');
    if (!el || !mark) return;
    setFollow(false);
    const offset = mark.getBoundingClientRect().top - el.getBoundingClientRect().top;
    el.scrollTop = Math.max(0, el.scrollTop + offset - el.clientHeight / 2);
  }, [activeKey]);

  const step = (delta: number) => {
    if (matches.length === 0) return;
    setCurrent((c) => (Math.min(c, matches.length - 1) + delta + matches.length) % matches.length);
  };

  return (
    <div class="log-wrap">
      <LogSearch
        query={query}
        onQuery={(q) => {
          setQuery(q);
          setCurrent(0);
        }}
        count={matches.length}
        position={active ? Math.min(current, matches.length - 1) + 1 : 0}
        onStep={step}
        showTimes={showTimes}
        onShowTimes={setShowTimes}
      />
      <div
        class={`log${showTimes ? ' show-ts' : ''}`}
        ref={box}
        role="log"
        aria-live="polite"
        aria-label="Job output"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable to scroll it by keyboard
        tabIndex={0}
        data-testid="log"
      >
        {dropped > 0 && <div class="log-note">{dropped} earlier lines not shown (see the logs API)</div>}
        {entries.length === 0 && <div class="log-note">Waiting for output…</div>}
        {entries.map((e) => (
          <LogLine
            key={e.seq}
            entry={e}
            ranges={query ? rangesOf(e, query) : NO_RANGES}
            current={active?.seq === e.seq ? active.index : -1}
          />
        ))}
      </div>
      {!follow && (
        <button type="button" class="jump" onClick={() => setFollow(true)}>
          ↓ Follow
        </button>
      )}
    </div>
  );
}

const NO_RANGES: Range[] = [];

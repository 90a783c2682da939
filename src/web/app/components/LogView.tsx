import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { OutputEntry } from '../api';

/** Entries kept in the page; older ones stay available from the logs API. */
export const MAX_LINES = 5000;

function label(entry: OutputEntry): string {
  if (entry.stream === 'agent') return entry.type?.replace(/^agent\./, '') ?? 'agent';
  if (entry.stream === 'system') return entry.type ?? 'system';
  return entry.stream;
}

/**
 * The live log. Follows the bottom while the reader is there; scrolling up stops following
 * (a button jumps back), so reading older lines is not interrupted by new ones.
 */
export function LogView({ entries, dropped }: { entries: OutputEntry[]; dropped: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);

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

  return (
    <div class="log-wrap">
      <div class="log" ref={box} role="log" aria-live="polite" data-testid="log">
        {dropped > 0 && <div class="log-note">{dropped} earlier lines not shown (see the logs API)</div>}
        {entries.length === 0 && <div class="log-note">Waiting for output…</div>}
        {entries.map((e) => (
          <div
            key={e.seq}
            class={`line s-${e.stream} t-${(e.type ?? '').replace(/[^a-z_-]/gi, '-')}`}
            data-seq={e.seq}
          >
            <span class="tag">{label(e)}</span>
            <span class="text">{e.line}</span>
          </div>
        ))}
      </div>
      {!follow && (
        <button
          type="button"
          class="jump"
          onClick={() => {
            setFollow(true);
          }}
        >
          ↓ Follow
        </button>
      )}
    </div>
  );
}

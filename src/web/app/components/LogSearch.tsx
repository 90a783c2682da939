export interface LogSearchProps {
  query: string;
  onQuery(query: string): void;
  /** Matches in the lines kept in the page. */
  count: number;
  /** 1-based position of the current match (0: none). */
  position: number;
  onStep(delta: 1 | -1): void;
  showTimes: boolean;
  onShowTimes(show: boolean): void;
}

/** The log's toolbar: search (Enter / Shift+Enter step through matches, Escape clears) and timestamps. */
export function LogSearch(p: LogSearchProps) {
  return (
    <div class="log-tools">
      <search class="log-search">
        <input
          type="search"
          name="log-search"
          aria-label="Search the log"
          placeholder="Search the log"
          value={p.query}
          onInput={(e) => p.onQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              p.onStep(e.shiftKey ? -1 : 1);
            } else if (e.key === 'Escape') p.onQuery('');
          }}
        />
        <span class="match-count" aria-live="polite" data-testid="match-count">
          {p.query ? (p.count ? `${p.position} of ${p.count}` : 'no matches') : ''}
        </span>
        <button
          type="button"
          aria-label="Previous match"
          title="Previous match (Shift+Enter)"
          disabled={p.count === 0}
          onClick={() => p.onStep(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          aria-label="Next match"
          title="Next match (Enter)"
          disabled={p.count === 0}
          onClick={() => p.onStep(1)}
        >
          ↓
        </button>
      </search>
      <label class="check">
        <input
          type="checkbox"
          name="show-timestamps"
          checked={p.showTimes}
          onChange={(e) => p.onShowTimes(e.currentTarget.checked)}
        />{' '}
        Timestamps
      </label>
    </div>
  );
}

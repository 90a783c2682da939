import { useEffect, useState } from 'preact/hooks';
import { downloadArtifact, fetchArtifactText } from '../api';
import { type DiffFile, parseDiff } from '../diff';

export const DIFF_ARTIFACT = 'changes.diff';
/** Larger diffs are offered as a download only. */
const MAX_BYTES = 2 * 1024 * 1024;
/** Lines rendered in all; files past this show a note instead. */
const MAX_LINES = 10_000;

type State = { files: DiffFile[] } | { tooBig: true } | { error: string } | undefined;

/** The job's change (the changes.diff artifact): a file list, then each file's lines, as text. */
export function DiffView({ jobId }: { jobId: string }) {
  const [state, setState] = useState<State>();
  useEffect(() => {
    fetchArtifactText(jobId, DIFF_ARTIFACT, MAX_BYTES).then(
      (text) => setState(text === undefined ? { tooBig: true } : { files: parseDiff(text) }),
      (err: Error) => setState({ error: err.message }),
    );
  }, [jobId]);

  const download = () => void downloadArtifact(jobId, DIFF_ARTIFACT).catch(() => {});
  if (!state) return <p class="muted">Loading the diff…</p>;
  if ('error' in state) return <p class="error-text">Could not load the diff: {state.error}</p>;
  if ('tooBig' in state) {
    return (
      <p class="muted">
        The diff is too large to show here.{' '}
        <button type="button" class="link" onClick={download}>
          Download {DIFF_ARTIFACT}
        </button>
      </p>
    );
  }
  const { files } = state;
  if (files.length === 0) return <p class="muted">No changes.</p>;
  const added = files.reduce((n, f) => n + f.added, 0);
  const removed = files.reduce((n, f) => n + f.removed, 0);
  let budget = MAX_LINES;
  return (
    <div class="diff" data-testid="diff">
      <p class="diff-summary">
        {files.length} file{files.length === 1 ? '' : 's'} changed, <span class="n-add">+{added}</span>{' '}
        <span class="n-del">−{removed}</span>
      </p>
      <ul class="diff-files" aria-label="Changed files">
        {files.map((f, i) => (
          <li key={`${i}-${f.path}`}>
            <button
              type="button"
              class="link"
              onClick={() => {
                const el = document.getElementById(`diff-file-${i}`) as HTMLDetailsElement | null;
                if (el) {
                  el.open = true;
                  el.scrollIntoView({ block: 'start' });
                  el.querySelector('summary')?.focus();
                }
              }}
            >
              {f.path}
            </button>{' '}
            <span class={`diff-status ds-${f.status}`}>{f.status}</span> <span class="n-add">+{f.added}</span>{' '}
            <span class="n-del">−{f.removed}</span>
          </li>
        ))}
      </ul>
      {files.map((f, i) => {
        const shown = f.lines.slice(0, Math.max(0, budget));
        budget -= shown.length;
        return (
          <details key={`${i}-${f.path}`} id={`diff-file-${i}`} class="diff-file" open>
            <summary>
              <span class="mono">{f.path}</span>
              {f.from && <span class="muted"> (from {f.from})</span>} <span class="n-add">+{f.added}</span>{' '}
              <span class="n-del">−{f.removed}</span>
            </summary>
            {shown.length > 0 && (
              <pre class="diff-body">
                {shown.map((l, j) => (
                  <div key={String(j)} class={`d-line d-${l.kind}`}>
                    {l.text || ' '}
                  </div>
                ))}
              </pre>
            )}
            {shown.length < f.lines.length && (
              <p class="muted diff-note">
                {f.lines.length - shown.length} more lines not shown.{' '}
                <button type="button" class="link" onClick={download}>
                  Download {DIFF_ARTIFACT}
                </button>
              </p>
            )}
          </details>
        );
      })}
    </div>
  );
}

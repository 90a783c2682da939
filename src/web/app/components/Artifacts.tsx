import { useEffect, useState } from 'preact/hooks';
import { type ArtifactInfo, downloadArtifact, listArtifacts } from '../api';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The job's artifacts (diff, log, transcript, reports), loaded once the job has ended. */
export function useArtifacts(jobId: string, ended: boolean): { items: ArtifactInfo[]; error: string } {
  const [items, setItems] = useState<ArtifactInfo[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!ended) return;
    listArtifacts(jobId).then(
      (r) => setItems(r.artifacts),
      (err: Error) => setError(err.message),
    );
  }, [jobId, ended]);
  return { items, error };
}

export function Artifacts({ jobId, items, error }: { jobId: string; items: ArtifactInfo[]; error: string }) {
  const [failed, setFailed] = useState('');
  if (error || failed) return <p class="error-text">{error || failed}</p>;
  if (items.length === 0) return null;
  return (
    <div class="artifacts">
      <span class="muted">Artifacts:</span>
      {items.map((a) => (
        <button
          type="button"
          class="link"
          key={a.name}
          title={`${a.contentType}, ${size(a.size)}`}
          onClick={() => downloadArtifact(jobId, a.name).catch((err: Error) => setFailed(err.message))}
        >
          {a.name} <span class="muted">({size(a.size)})</span>
        </button>
      ))}
    </div>
  );
}

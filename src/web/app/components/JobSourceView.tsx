import type { JobSource } from '../api';
import { safeHref } from '../format';

const INTAKE_LABELS: Record<JobSource['intake'], string> = {
  cli: 'CLI',
  api: 'API',
  redis: 'Redis stream',
  forge: 'forge',
  plan: 'plan',
  'task-runner': 'task runner',
};

/** One line about who asked for the job, e.g. "GitHub issue #12 in org/app by @alice". */
export function describeSource(s: JobSource): string {
  if (s.intake === 'forge') {
    const forge = s.forge === 'gitlab' ? 'GitLab' : s.forge === 'github' ? 'GitHub' : 'Forge';
    const what = s.kind === 'pr' ? (s.forge === 'gitlab' ? 'merge request' : 'pull request') : 'issue';
    return [
      `${forge} ${what}${s.number !== undefined ? ` #${s.number}` : ''}`,
      s.repo ? `in ${s.repo}` : '',
      s.author ? `by @${s.author}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
  if (s.intake === 'plan') {
    return [s.plan ? `plan ${s.plan}` : 'plan', s.task ? `task ${s.task}` : '', s.role ?? '']
      .filter(Boolean)
      .join(' · ');
  }
  if (s.intake === 'task-runner') return s.taskId ? `task runner · task ${s.taskId}` : 'task runner';
  return INTAKE_LABELS[s.intake] ?? s.intake;
}

/** The small tag in the job list. */
export function SourceTag({ source }: { source: JobSource | null }) {
  if (!source) return null;
  return (
    <span class={`source-tag src-${source.intake}`} title={`Created by ${describeSource(source)}`}>
      {INTAKE_LABELS[source.intake] ?? source.intake}
    </span>
  );
}

/** The job page's "Source" value, linking to the issue or PR when it has an http(s) URL. */
export function SourceDetail({ source }: { source: JobSource | null }) {
  if (!source) return <span class="muted">unknown</span>;
  const href = safeHref(source.url ?? null);
  const text = describeSource(source);
  return (
    <span data-testid="job-source">
      <SourceTag source={source} />
      {text !== INTAKE_LABELS[source.intake] && ` ${text}`}
      {href && (
        <>
          {' · '}
          <a href={href} target="_blank" rel="noreferrer noopener">
            open
          </a>
        </>
      )}
    </span>
  );
}

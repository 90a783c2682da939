import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { AGENTS, ApiError, createJob, type Issue, SANDBOXES } from '../api';
import { takeDraft } from '../draft';
import { navigate } from '../route';
import { ADVANCED, type Fields, fieldOf, fromSpec, INITIAL, toSpec } from '../specForm';

function initialState(): { fields: Fields; advanced: boolean } {
  const draft = takeDraft();
  if (!draft) return { fields: INITIAL, advanced: false };
  const fields = fromSpec(draft);
  return { fields, advanced: ADVANCED.some((k) => fields[k] !== INITIAL[k]) };
}

type TextKey = { [K in keyof Fields]: Fields[K] extends string ? K : never }[keyof Fields];
type FlagKey = { [K in keyof Fields]: Fields[K] extends boolean ? K : never }[keyof Fields];

/** New job: the main fields, and every other spec field under "Advanced options". */
export function SubmitForm() {
  const [start] = useState(initialState);
  const [f, setF] = useState<Fields>(start.fields);
  const [advanced, setAdvanced] = useState(start.advanced);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (key: keyof Fields) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    setF({ ...f, [key]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const issueFor = (key: string) =>
    issues
      .filter((i) => fieldOf(i.path) === key)
      .map((i) => (i.path === key ? i.message : `${i.path.slice(key.length + 1)}: ${i.message}`))
      .join('; ');

  /** Under a control: the server's message for its field, else the hint. */
  const note = (key: keyof Fields, problem: string, hint?: string) =>
    problem ? (
      <span class="field-error" id={`e-${key}`}>
        {problem}
      </span>
    ) : (
      hint && <span class="hint">{hint}</span>
    );
  /** A labelled control; the server's message for this field shows under it. */
  const field = (key: keyof Fields, label: string, input: JSX.Element, hint?: string) => {
    const problem = issueFor(key);
    return (
      <label class={problem ? 'invalid' : ''} for={`f-${key}`}>
        {label}
        {input}
        {note(key, problem, hint)}
      </label>
    );
  };
  const a11y = (key: keyof Fields) => ({
    id: `f-${key}`,
    name: key,
    'aria-invalid': issueFor(key) ? true : undefined,
    'aria-describedby': issueFor(key) ? `e-${key}` : undefined,
  });
  const text = (key: TextKey, label: string, hint?: string, extra: Record<string, unknown> = {}) =>
    field(key, label, <input {...a11y(key)} value={f[key]} onInput={set(key)} {...extra} />, hint);
  const check = (key: FlagKey, label: string, hint?: string) => {
    const problem = issueFor(key);
    return (
      <label class={`check${problem ? ' invalid' : ''}`}>
        <input type="checkbox" {...a11y(key)} checked={f[key]} onChange={set(key)} /> {label}
        {note(key, problem, hint)}
      </label>
    );
  };
  /** A choice of `options`; `blank` names the empty one (the server's default), if there is one. */
  const choice = (key: TextKey, label: string, options: readonly string[], blank?: string) =>
    field(
      key,
      label,
      <select {...a11y(key)} value={f[key]} onChange={set(key)}>
        {blank !== undefined && <option value="">{blank}</option>}
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>,
    );
  const reviewer = f.reviewAgent || f.agent;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    setIssues([]);
    try {
      const job = await createJob(toSpec(f));
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) {
        setIssues(err.issues);
        const known = new Set<string>(Object.keys(INITIAL));
        const other = err.issues.filter((i) => !known.has(fieldOf(i.path)));
        if (err.issues.some((i) => (ADVANCED as readonly string[]).includes(fieldOf(i.path))))
          setAdvanced(true);
        setError(
          other.length
            ? other.map((i) => `${i.path}: ${i.message}`).join('; ')
            : 'Please fix the fields marked below.',
        );
      } else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel narrow">
      <h1>New job</h1>
      {error && (
        <div class="error-box" role="alert">
          {error}
        </div>
      )}
      <form class="form" onSubmit={submit} noValidate>
        {text('repo', 'Repository', undefined, {
          required: true,
          placeholder: 'https://github.com/org/app.git',
        })}
        {text('baseRef', 'Base branch', 'default: the remote default branch')}
        {field(
          'prompt',
          'Prompt',
          <textarea
            {...a11y('prompt')}
            rows={5}
            required
            value={f.prompt}
            onInput={set('prompt')}
            placeholder="What should the agent do?"
          />,
        )}
        <div class="row">
          {choice('agent', 'Agent', AGENTS)}
          {text('model', 'Model', 'optional')}
        </div>
        {f.agent === 'command' &&
          text('agentCmd', 'Command', 'shell command; the prompt is in $DROVER_PROMPT and on stdin', {
            class: 'mono',
          })}
        {check('push', 'Push the branch')}
        <details class="advanced" open={advanced} onToggle={(e) => setAdvanced(e.currentTarget.open)}>
          <summary>Advanced options</summary>
          <fieldset>
            <legend>Branch</legend>
            {text('branch', 'Branch to push', 'default: drover/<job id>')}
            {check('resetBranch', 'Start from the base even if the branch exists (replace it)')}
          </fieldset>
          <fieldset>
            <legend>Budgets and limits</legend>
            <div class="row">
              {text('timeout', 'Timeout', undefined, { placeholder: '30m' })}
              {text('idleTimeout', 'Idle timeout', undefined, { placeholder: '10m' })}
            </div>
            <div class="row">
              {text('maxTurns', 'Max turns', undefined, { inputMode: 'numeric' })}
              {text('maxCostUsd', 'Max cost (USD)', undefined, { inputMode: 'decimal' })}
            </div>
          </fieldset>
          <fieldset>
            <legend>Environment</legend>
            <div class="row">
              {choice('sandbox', 'Sandbox', SANDBOXES, 'server default')}
              {text('environment', 'Environment', 'a name from DROVER_CONFIG', { placeholder: 'default' })}
            </div>
          </fieldset>
          <fieldset>
            <legend>Test gate</legend>
            {field(
              'verify',
              'Verify commands',
              <textarea
                {...a11y('verify')}
                class="mono"
                rows={3}
                value={f.verify}
                disabled={f.noVerify}
                onInput={set('verify')}
                placeholder="npm test"
              />,
              "one per line; empty: the repo's .drover.yml",
            )}
            {check('noVerify', 'No test gate (even if the repo configures one)')}
            {text('fixRounds', 'Fix rounds', 'agent re-runs with the failing output (0–10, default 2)', {
              inputMode: 'numeric',
            })}
          </fieldset>
          <fieldset>
            <legend>Delivery</legend>
            {check('allowNoChanges', 'Succeed without changes')}
            {check('pr', 'Open a pull request')}
            {check('prOnFailure', 'Open a draft PR when the tests still fail')}
            {choice('prProvider', 'PR provider', ['github', 'gitlab'], "from the remote's host")}
          </fieldset>
          <fieldset>
            <legend>Review</legend>
            {check('review', 'A reviewer agent signs off before delivery')}
            {f.review && (
              <>
                <div class="row">
                  {choice('reviewAgent', 'Review agent', AGENTS, 'same as the job')}
                  {text('reviewCycles', 'Review cycles', '1–5, default 3', { inputMode: 'numeric' })}
                </div>
                {reviewer === 'command' &&
                  text('reviewCmd', 'Review command', 'default: the job command', { class: 'mono' })}
              </>
            )}
          </fieldset>
        </details>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Submitting…' : 'Submit job'}
          </button>
        </div>
      </form>
    </section>
  );
}

import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { AGENTS, ApiError, createJob, type Issue, SANDBOXES } from '../api';
import { navigate } from '../route';

interface Fields {
  repo: string;
  baseRef: string;
  prompt: string;
  agent: string;
  agentCmd: string;
  model: string;
  timeout: string;
  idleTimeout: string;
  maxTurns: string;
  maxCostUsd: string;
  sandbox: string;
  push: boolean;
  allowNoChanges: boolean;
}

const INITIAL: Fields = {
  repo: '',
  baseRef: '',
  prompt: '',
  agent: 'claude',
  agentCmd: '',
  model: '',
  timeout: '',
  idleTimeout: '',
  maxTurns: '',
  maxCostUsd: '',
  sandbox: '',
  push: true,
  allowNoChanges: false,
};

/** Form fields → job spec: empty fields are left out so the server's defaults apply. */
function toSpec(f: Fields): Record<string, unknown> {
  const spec: Record<string, unknown> = { repo: f.repo.trim(), prompt: f.prompt, agent: f.agent };
  const text = {
    baseRef: f.baseRef,
    model: f.model,
    timeout: f.timeout,
    idleTimeout: f.idleTimeout,
    sandbox: f.sandbox,
  };
  for (const [k, v] of Object.entries(text)) if (v.trim()) spec[k] = v.trim();
  if (f.agent === 'command' && f.agentCmd.trim()) spec.agentCmd = f.agentCmd;
  // Numbers the user typed are sent as numbers; garbage is sent as is so the server names the field.
  const numeric = { maxTurns: f.maxTurns, maxCostUsd: f.maxCostUsd };
  for (const [k, v] of Object.entries(numeric)) {
    if (v.trim()) spec[k] = Number.isFinite(Number(v)) ? Number(v) : v;
  }
  if (!f.push) spec.push = false;
  if (f.allowNoChanges) spec.allowNoChanges = true;
  return spec;
}

export function SubmitForm() {
  const [f, setF] = useState<Fields>(INITIAL);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (key: keyof Fields) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    setF({ ...f, [key]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const issueFor = (path: string) => issues.find((i) => i.path === path)?.message;
  const field = (key: keyof Fields, label: string, input: JSX.Element, hint?: string) => (
    <label class={issueFor(key) ? 'invalid' : ''} for={`f-${key}`}>
      {label}
      {input}
      {issueFor(key) ? (
        <span class="field-error">{issueFor(key)}</span>
      ) : (
        hint && <span class="hint">{hint}</span>
      )}
    </label>
  );

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
        const known = new Set(Object.keys(INITIAL));
        const other = err.issues.filter((i) => !known.has(i.path));
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
        {field(
          'repo',
          'Repository',
          <input
            id="f-repo"
            name="repo"
            required
            value={f.repo}
            onInput={set('repo')}
            placeholder="https://github.com/org/app.git"
          />,
        )}
        {field(
          'baseRef',
          'Base branch',
          <input id="f-baseRef" name="baseRef" value={f.baseRef} onInput={set('baseRef')} />,
          'default: the remote default branch',
        )}
        {field(
          'prompt',
          'Prompt',
          <textarea
            id="f-prompt"
            name="prompt"
            rows={5}
            required
            value={f.prompt}
            onInput={set('prompt')}
            placeholder="What should the agent do?"
          />,
        )}
        <div class="row">
          {field(
            'agent',
            'Agent',
            <select id="f-agent" name="agent" value={f.agent} onChange={set('agent')}>
              {AGENTS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>,
          )}
          {field(
            'model',
            'Model',
            <input id="f-model" name="model" value={f.model} onInput={set('model')} />,
            'optional',
          )}
        </div>
        {f.agent === 'command' &&
          field(
            'agentCmd',
            'Command',
            <input
              id="f-agentCmd"
              name="agentCmd"
              class="mono"
              value={f.agentCmd}
              onInput={set('agentCmd')}
            />,
            'shell command; the prompt is in $DROVER_PROMPT and on stdin',
          )}
        <fieldset>
          <legend>Limits</legend>
          <div class="row">
            {field(
              'timeout',
              'Timeout',
              <input
                id="f-timeout"
                name="timeout"
                value={f.timeout}
                onInput={set('timeout')}
                placeholder="30m"
              />,
            )}
            {field(
              'idleTimeout',
              'Idle timeout',
              <input
                id="f-idleTimeout"
                name="idleTimeout"
                value={f.idleTimeout}
                onInput={set('idleTimeout')}
                placeholder="10m"
              />,
            )}
          </div>
          <div class="row">
            {field(
              'maxTurns',
              'Max turns',
              <input
                id="f-maxTurns"
                name="maxTurns"
                inputMode="numeric"
                value={f.maxTurns}
                onInput={set('maxTurns')}
              />,
            )}
            {field(
              'maxCostUsd',
              'Max cost (USD)',
              <input
                id="f-maxCostUsd"
                name="maxCostUsd"
                inputMode="decimal"
                value={f.maxCostUsd}
                onInput={set('maxCostUsd')}
              />,
            )}
          </div>
          {field(
            'sandbox',
            'Sandbox',
            <select id="f-sandbox" name="sandbox" value={f.sandbox} onChange={set('sandbox')}>
              <option value="">server default</option>
              {SANDBOXES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>,
          )}
        </fieldset>
        <label class="check">
          <input type="checkbox" name="push" checked={f.push} onChange={set('push')} /> Push the branch
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="allowNoChanges"
            checked={f.allowNoChanges}
            onChange={set('allowNoChanges')}
          />{' '}
          Succeed without changes
        </label>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Submitting…' : 'Submit job'}
          </button>
        </div>
      </form>
    </section>
  );
}

import { useState } from 'preact/hooks';
import { api, getToken, setToken } from '../api';
import { navigate } from '../route';

/** The API token lives in this browser's localStorage only; it is sent as a bearer header. */
export function TokenPanel() {
  const [value, setValue] = useState(getToken());
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const save = async (e: Event) => {
    e.preventDefault();
    setToken(value.trim());
    try {
      await api('/api/jobs?limit=1');
      setMessage({ ok: true, text: 'Token accepted.' });
      navigate('/');
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <section class="panel narrow">
      <h1>API token</h1>
      <p class="muted">
        One of the server's API tokens: from <code>DROVER_API_TOKENS</code> or <code>--api-token-file</code>,
        or the one <code>drover serve</code> printed when it first started without any. It is kept in this
        browser's local storage and sent as <code>Authorization: Bearer</code>.
      </p>
      <form onSubmit={save} class="form">
        <label>
          Token
          <input
            name="token"
            type="password"
            autocomplete="off"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Save
          </button>
          <button
            type="button"
            onClick={() => {
              setValue('');
              setToken('');
              setMessage({ ok: true, text: 'Token removed from this browser.' });
            }}
          >
            Forget
          </button>
        </div>
      </form>
      {message && <p class={message.ok ? 'ok' : 'error-text'}>{message.text}</p>}
    </section>
  );
}

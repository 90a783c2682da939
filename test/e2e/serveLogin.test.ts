import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDrover } from '../support/drover.js';
import { waitFor } from '../support/processes.js';

// How the person who starts `drover serve` gets in: never left with a token they have not seen.

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drover-login-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts serve, waits for what it prints about access, stops it; returns stdout and the port. */
async function serveOnce(args: string[], env: Record<string, string> = {}) {
  const serve = spawnDrover(['serve', '--port', '0', '--no-workers', ...args], { env, timeoutMs: 60_000 });
  let stdout = '';
  serve.child.stdout!.on('data', (d: string) => (stdout += d));
  const port = await waitFor(
    // The last line of what it prints about access (a generated token comes on the lines before).
    () =>
      /(Log in:|No API token needed|API token: the one printed)[^\n]*\n/.test(stdout)
        ? /serving http:\/\/[^:]+:(\d+)\//.exec(stdout)?.[1]
        : undefined,
    30_000,
    'serve to say how to log in',
  );
  const api = (token?: string) =>
    fetch(`http://127.0.0.1:${port}/api/jobs?limit=1`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }).then((r) => r.status);
  return {
    stdout: () => stdout,
    api,
    stop: async () => {
      serve.child.kill('SIGTERM');
      return serve.done;
    },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('drover serve: how to log in', () => {
  it('beyond loopback without tokens: a token is made, shown once, only its digest kept, and it keeps working', async () => {
    const dataDir = join(root, 'wide');
    const first = await serveOnce(['--host', '0.0.0.0', '--data-dir', dataDir]);
    const token = /API token \(shown only now; only its digest is kept, in (\S+)\):\n {2}(\S+)\n/.exec(
      first.stdout(),
    );
    expect(token, first.stdout()).not.toBeNull();
    const [, digestFile, value] = token as unknown as [string, string, string];
    expect(first.stdout()).toMatch(/Log in: open http:\/\/\S+:\d+\/ and enter it under "API token"/);
    expect(await first.api()).toBe(401);
    expect(await first.api(value)).toBe(200);
    expect((await first.stop()).code).toBe(0);
    expect(digestFile).toBe(join(dataDir, 'api-token.sha256'));
    expect(statSync(digestFile).mode & 0o777).toBe(0o600);
    for (const file of filesUnder(dataDir)) expect(readFileSync(file).includes(value), file).toBe(false);

    const again = await serveOnce(['--host', '0.0.0.0', '--data-dir', dataDir]);
    expect(again.stdout()).toContain('API token: the one printed when this data dir first served');
    expect(again.stdout()).not.toContain(value);
    expect(await again.api(value)).toBe(200);
    expect(await again.api('drv_not-the-token-0123456789')).toBe(401);
    await again.stop();
  });

  it('with configured tokens: says where they come from and how to use one, without printing them', async () => {
    const secret = 'configured-token-0123456789abcdef';
    const res = await serveOnce(['--data-dir', join(root, 'conf')], { DROVER_API_TOKENS: secret });
    expect(res.stdout()).toMatch(
      /API tokens: 1 from DROVER_API_TOKENS\. Log in: open http:\/\/127\.0\.0\.1:\d+\/ and enter one/,
    );
    expect(res.stdout()).not.toContain(secret);
    expect(await res.api(secret)).toBe(200);
    await res.stop();
  });

  it('on loopback without tokens: says no token is needed here', async () => {
    const res = await serveOnce(['--data-dir', join(root, 'local')]);
    expect(res.stdout()).toMatch(/No API token needed: the API and dashboard answer this machine only/);
    expect(await res.api()).toBe(200);
    const stopped = await res.stop();
    expect(stopped.stderr).not.toMatch(/no API tokens configured/); // nothing human mixed into the logs
  });
});

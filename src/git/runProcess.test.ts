import { describe, expect, it } from 'vitest';
import { runProcess } from './runProcess.js';

const env = { PATH: process.env.PATH };

describe('runProcess', () => {
  it('collects stdout and stderr without the final newline, and the exit code', async () => {
    const res = await runProcess('sh', ['-c', 'printf "a\\nb\\n"; echo oops >&2; exit 3'], {
      env,
      timeoutMs: 10_000,
    });
    expect(res).toEqual({ stdout: 'a\nb', stderr: 'oops', exitCode: 3, timedOut: false });
  });

  it('feeds input on stdin, and gives /dev/null without it', async () => {
    expect((await runProcess('cat', [], { env, input: 'hello\n', timeoutMs: 10_000 })).stdout).toBe('hello');
    expect(await runProcess('cat', [], { env, timeoutMs: 10_000 })).toMatchObject({
      stdout: '',
      exitCode: 0,
    });
  });

  it('passes exactly the given environment and cwd', async () => {
    const res = await runProcess('sh', ['-c', 'echo "$ONLY:$HOME:$(pwd)"'], {
      env: { ...env, ONLY: 'x' },
      cwd: '/',
      timeoutMs: 10_000,
    });
    expect(res.stdout).toBe('x::/');
  });

  it('kills a command that runs past its timeout', async () => {
    const res = await runProcess('sleep', ['30'], { env, timeoutMs: 100 });
    expect(res).toMatchObject({ exitCode: null, timedOut: true });
  });

  it('reports a command that cannot start instead of throwing', async () => {
    const res = await runProcess('drover-no-such-command', [], { env, timeoutMs: 10_000 });
    expect(res.exitCode).toBeNull();
    expect(res.stderr).toContain('ENOENT');
  });
});

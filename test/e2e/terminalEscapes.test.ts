import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROVER_BIN, runDrover, testEnv } from '../support/drover.js';
import { type BareRepo, createBareRepo } from '../support/gitRepos.js';

// An agent that prints what a hostile program would send a terminal: window titles, an OSC 52 clipboard
// write, a hyperlink, screen clears, a sequence split across two writes, a carriage-return overwrite,
// and one legitimate colour. The user's terminal must get the text and (on a TTY) the colour only.

let repo: BareRepo;
let dataDir: string;
let workDir: string;

const AGENT = [
  String.raw`printf 'title:\033]0;PWNED-TITLE\007:after\n'`,
  String.raw`printf 'clip:\033]52;c;ZXZpbA==\007:after\n'`,
  String.raw`printf 'link:\033]8;;https://evil.example\033\\click\033]8;;\033\\:after\n'`,
  String.raw`printf '\033[2J\033[?1049hclear:after\n'`,
  String.raw`printf 'color:\033[31mred\033[0m:after\n'`,
  String.raw`printf 'split:\033]0;SPLIT-TITLE'; sleep 0.3; printf '\007:after\n'`,
  String.raw`printf 'hidden-cmd\rshown\n'`,
  'echo done > out.txt',
].join('; ');

const VISIBLE = [
  'title::after',
  'clip::after',
  'link:click:after',
  'clear:after',
  'color:red:after',
  'split::after',
  'hidden-cmdshown',
];
const HIDDEN = ['PWNED-TITLE', 'ZXZpbA', 'evil.example', 'SPLIT-TITLE'];
// Any control character but newline/tab (the CR of a pty's CRLF is allowed separately).
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

/** Runs the CLI on a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
function onTty(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const cmd = [process.execPath, DROVER_BIN, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: testEnv({ NO_COLOR: undefined, TERM: 'xterm-256color', ...env }) as Record<string, string>,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

beforeAll(async () => {
  repo = await createBareRepo();
  dataDir = mkdtempSync(join(tmpdir(), 'drover-esc-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-esc-work-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('terminal escapes from agent output', () => {
  it('never reach the terminal: stripped in a pipe, only colours kept on a TTY, all stripped with --no-color', async () => {
    const args = ['--data-dir', dataDir];
    const env = { DROVER_WORK_DIR: workDir };
    const res = await runDrover(
      ['run', '--repo', repo.bareDir, ...args, '--prompt', 'be hostile', '--agent-cmd', AGENT],
      { env },
    );
    expect(res.code).toBe(0);
    for (const text of VISIBLE) expect(res.stdout).toContain(text);
    for (const text of HIDDEN) expect(res.stdout).not.toContain(text);
    expect(res.stdout).not.toMatch(CONTROL);
    const id = /Job (\S+) →/.exec(res.stdout)![1]!;

    // Live output of drover run on a TTY: the colour stays, nothing else does.
    const live = await onTty(
      ['run', '--repo', repo.bareDir, ...args, '--prompt', 'be hostile', '--agent-cmd', AGENT],
      env,
    );
    expect(live).toContain('color:\x1b[31mred\x1b[0m:after');
    for (const text of HIDDEN) expect(live).not.toContain(text);
    expect(live).not.toMatch(/\x1b\]|\x1b\[2J|\x1b\[\?1049h|\x07|\x9b|\x9d/);
    expect(live).toContain('hidden-cmdshown');

    // drover logs: the same on a TTY, everything stripped in a pipe and with --no-color.
    const tty = await onTty(['logs', id, ...args], {});
    expect(tty).toContain('color:\x1b[31mred\x1b[0m:after');
    for (const text of HIDDEN) expect(tty).not.toContain(text);
    expect(tty).not.toMatch(/\x1b\]|\x1b\[2J|\x07/);
    const noColor = await onTty(['logs', id, ...args, '--no-color'], {});
    for (const text of VISIBLE) expect(noColor).toContain(text);
    expect(noColor.replaceAll('\r\n', '\n')).not.toMatch(CONTROL);
    const piped = await runDrover(['logs', id, ...args]);
    for (const text of VISIBLE) expect(piped.stdout).toContain(text);
    expect(piped.stdout).not.toMatch(CONTROL);

    // The stored log keeps the raw bytes (masked) for --json consumers; the log artifact is plain text.
    const json = await runDrover(['logs', id, ...args, '--json']);
    expect(json.stdout).toContain(String.raw`\u001b]52;c;ZXZpbA==`);
    const artifact = await runDrover(['artifacts', id, ...args, '--get', 'log.txt']);
    expect(artifact.stdout).toContain('clip::after');
    expect(artifact.stdout).not.toMatch(CONTROL);
  });
});

// The setup the agents-*.test.ts files share: a bare repo and a temp dir per file, the scripted model
// servers closed after it, and `drover run` of one real agent CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type DroverResult, runDrover } from './drover.js';
import { type BareRepo, createBareRepo } from './gitRepos.js';

export interface AgentTestBed {
  /** Set in beforeAll. */
  readonly repo: BareRepo;
  /** Temp dir for the file (data/, work/ and whatever the tests put there); set in beforeAll. */
  readonly dir: string;
  readonly dataDir: string;
  /** Model servers the tests started: closed after the file. */
  readonly servers: { close(): Promise<void> }[];
  /** `drover run --agent <agent> --model <model> --json ...args` on the repo (1 s kill grace). */
  run(args: string[], opts: { env: Record<string, string>; timeoutMs: number }): Promise<DroverResult>;
}

/** Call at the top of a test file: registers the beforeAll/afterAll that set up and remove the bed. */
export function useAgentTestBed(agent: 'claude' | 'codex' | 'gemini', model: string): AgentTestBed {
  let repo: BareRepo | undefined;
  let dir: string | undefined;
  const servers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    repo = await createBareRepo();
    dir = mkdtempSync(join(tmpdir(), `drover-${agent}-`));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await repo?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get repo() {
      return repo!;
    },
    get dir() {
      return dir!;
    },
    get dataDir() {
      return join(dir!, 'data');
    },
    servers,
    run: (args, opts) =>
      runDrover(
        [
          'run',
          '--repo',
          repo!.bareDir,
          '--data-dir',
          join(dir!, 'data'),
          '--agent',
          agent,
          '--model',
          model,
          '--json',
          ...args,
        ],
        {
          env: { DROVER_WORK_DIR: join(dir!, 'work'), DROVER_KILL_GRACE: '1s', ...opts.env },
          timeoutMs: opts.timeoutMs,
        },
      ),
  };
}

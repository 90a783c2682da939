import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_CLIS } from '../agents/agentCli.js';
import { agentCredentialStatus } from '../agents/credentials.js';
import type { AgentName } from '../jobs/JobSpec.js';
import { firstLine, probe } from './probe.js';
import type { CheckResult } from './types.js';

const AGENTS: AgentName[] = ['claude', 'codex', 'gemini'];

/**
 * Each agent CLI: found (and its version), and whether the runner's environment holds its credentials
 * (names only, never values). Warnings, not failures: a runner needs only the agents its jobs use.
 */
export async function checkAgents(env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  // Version queries get a throwaway HOME: they must not write into the user's config.
  const home = await mkdtemp(join(tmpdir(), 'drover-doctor-'));
  try {
    return await Promise.all(AGENTS.map((agent) => checkAgent(agent, env, home)));
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function checkAgent(agent: AgentName, env: NodeJS.ProcessEnv, home: string): Promise<CheckResult> {
  const cli = AGENT_CLIS[agent]!;
  const bin = env[cli.binVar] || cli.bin;
  const res = await probe(bin, ['--version'], {
    env: {
      ...env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      CLAUDE_CONFIG_DIR: join(home, 'claude'),
      CODEX_HOME: join(home, 'codex'),
      DISABLE_AUTOUPDATER: '1',
      NO_COLOR: '1',
    },
  });
  const creds = agentCredentialStatus(agent, env)!;
  if (!res.ok && res.code === 'ENOENT') {
    return {
      name: agent,
      status: 'warn',
      detail: `${bin} not found (jobs with --agent ${agent} would fail)`,
      fix: `npm install -g ${cli.npmPackage}, or set ${cli.binVar} to its path`,
    };
  }
  const version = firstLine(res.stdout) || firstLine(res.stderr) || 'no version output';
  if (!res.ok) {
    return {
      name: agent,
      status: 'warn',
      detail: `${bin} --version failed: ${version}`,
      fix: `reinstall ${cli.npmPackage}`,
    };
  }
  if (!creds.present) {
    return {
      name: agent,
      status: 'warn',
      detail: `${version}; no credentials (none of ${creds.variables.join(', ')} is set)`,
      fix: creds.hint,
    };
  }
  const set = creds.variables.filter((v) => env[v]);
  return { name: agent, status: 'ok', detail: `${version}; credentials: ${set.join(', ')} set` };
}

/** The git token for HTTPS remotes: presence only. */
export function checkGitToken(env: NodeJS.ProcessEnv): CheckResult {
  return env.DROVER_GIT_TOKEN
    ? { name: 'git token', status: 'ok', detail: 'DROVER_GIT_TOKEN is set' }
    : {
        name: 'git token',
        status: 'ok',
        detail:
          'DROVER_GIT_TOKEN is not set: fine for local, public or ssh repositories; private HTTPS remotes need it',
      };
}

import type { AgentName } from '../jobs/JobSpec.js';

// What each agent CLI needs to authenticate, how to tell it is missing, and how its own output says
// so ("Not logged in · Please run /login" means nothing to someone running Drover on a server).

interface AgentCredentials {
  label: string;
  /** Whether the runner's environment holds something the agent can authenticate with. */
  present(env: NodeJS.ProcessEnv): boolean;
  /** The variables that hold it (for drover doctor). */
  variables(env: NodeJS.ProcessEnv): string[];
  /** How to fix it, as an instruction. */
  hint(env: NodeJS.ProcessEnv): string;
  /** The agent's own words for "no or bad credentials". */
  failure: RegExp;
}

const codexKeyVar = (env: NodeJS.ProcessEnv) => env.DROVER_CODEX_ENV_KEY || 'OPENAI_API_KEY';

const CREDENTIALS: Partial<Record<AgentName, AgentCredentials>> = {
  claude: {
    label: 'Claude Code',
    present: (env) =>
      !!(
        env.ANTHROPIC_API_KEY ||
        env.ANTHROPIC_AUTH_TOKEN ||
        env.CLAUDE_CODE_USE_BEDROCK ||
        env.CLAUDE_CODE_USE_VERTEX
      ),
    variables: () => [
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_AUTH_TOKEN',
      'CLAUDE_CODE_USE_BEDROCK',
      'CLAUDE_CODE_USE_VERTEX',
    ],
    hint: () =>
      'set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN with ANTHROPIC_BASE_URL for a gateway, or CLAUDE_CODE_USE_BEDROCK=1 / CLAUDE_CODE_USE_VERTEX=1 with that cloud’s credentials) in the environment of the process that runs the job; a `claude /login` on this machine is not used',
    failure:
      /Not logged in|Invalid API key|Please run \/login|authentication_failed|OAuth token (has )?expired/i,
  },
  codex: {
    label: 'Codex',
    present: (env) => !!env[codexKeyVar(env)],
    variables: (env) => [codexKeyVar(env)],
    hint: (env) =>
      `set ${codexKeyVar(env)} (the variable DROVER_CODEX_ENV_KEY names; DROVER_CODEX_BASE_URL for another endpoint) in the environment of the process that runs the job`,
    failure: /Missing environment variable|401 Unauthorized|invalid_api_key|Incorrect API key/i,
  },
  gemini: {
    label: 'Gemini CLI',
    present: (env) =>
      !!(env.GEMINI_API_KEY || env.GOOGLE_API_KEY || env.GOOGLE_GENAI_USE_VERTEXAI === 'true'),
    variables: () => ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI'],
    hint: () =>
      'set GEMINI_API_KEY (or GOOGLE_API_KEY; or GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT and GOOGLE_APPLICATION_CREDENTIALS) in the environment of the process that runs the job',
    failure:
      /must specify the GEMINI_API_KEY|API key not valid|API_KEY_INVALID|Invalid auth method|UNAUTHENTICATED/i,
  },
};

/** Whether an agent needs credentials at all (the command agent does not). */
export function agentNeedsCredentials(agent: AgentName): boolean {
  return CREDENTIALS[agent] !== undefined;
}

/** The credential variables of an agent and whether any is set (never their values). */
export function agentCredentialStatus(
  agent: AgentName,
  env: NodeJS.ProcessEnv,
): { label: string; present: boolean; variables: string[]; hint: string } | undefined {
  const c = CREDENTIALS[agent];
  if (!c) return undefined;
  return { label: c.label, present: c.present(env), variables: c.variables(env), hint: c.hint(env) };
}

/**
 * When a failed agent run's output says it could not authenticate: one sentence saying what to set,
 * ending with the agent's own words. Undefined for any other failure.
 */
export function authFailureMessage(
  agent: AgentName,
  output: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const c = CREDENTIALS[agent];
  if (!c) return undefined;
  const match = output.split('\n').find((line) => c.failure.test(line));
  if (!match) return undefined;
  const said = match.trim().slice(0, 200);
  const what = c.present(env) ? 'rejected its credentials' : 'has no credentials';
  return `${c.label} ${what}: ${c.hint(env)}. (${c.label} said: ${said})`;
}

import type { JobRecord } from '../jobs/JobRecord.js';
import type { AgentName, JobSpec, SandboxMode } from '../jobs/JobSpec.js';
import type { ModelWireName, ModelWires } from '../pipeline/ModelAccess.js';
import type { AgentEvent } from './AgentEvent.js';
import type { LiveUsageSource } from './liveUsage.js';

export type AgentRole = 'executor' | 'reviewer';

/** Everything an adapter needs to build one agent invocation. */
export interface AgentContext {
  job: JobRecord;
  spec: JobSpec;
  role: AgentRole;
  /** The git checkout the agent works in. */
  workspace: string;
  /** A private per-job directory the adapter may use for HOME, config dirs, settings files. */
  stateDir: string;
  prompt: string;
  model?: string;
  /** The allow-listed base environment (PATH, HOME, locale...) the adapter extends. */
  env: Record<string, string>;
  /** The runner's own environment, to read the agent's API key/base URL variables from. */
  hostEnv: NodeJS.ProcessEnv;
  sandbox: SandboxMode;
  maxTurns?: number;
  maxCostUsd?: number;
  /** Resume the agent's previous session (fix rounds, review findings) where it supports it. */
  resumeSessionId?: string;
  /** Command line (argv) of `drover hook` for agents that support stop hooks. */
  hookCommand?: string[];
  /**
   * The model gateway's per-job endpoints and token. When set, the agent is pointed at them and gets
   * none of the runner's real API keys.
   */
  wires?: ModelWires;
}

export interface AgentInvocation {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Text for stdin; null closes stdin immediately. */
  stdin: string | null;
  /** Values from the environment the agent receives that must be masked (API keys). */
  secrets: string[];
}

/** Turns an agent's stdout lines into normalized events. */
export interface AgentParser {
  /** Events for the line, or null when the line is not part of the agent's protocol (keep it as plain output). */
  parseLine(line: string): AgentEvent[] | null;
}

export interface AgentAdapter {
  readonly name: AgentName;
  /** True when stdout is a structured event protocol (raw lines then go to the transcript). */
  readonly structured: boolean;
  prepare(ctx: AgentContext): Promise<AgentInvocation>;
  createParser(): AgentParser | undefined;
  /** Session files with per-reply token usage, for agents whose stream reports usage only at the end. */
  liveUsage?(ctx: AgentContext): LiveUsageSource | undefined;
  /**
   * The dialects this agent speaks to its model through the gateway (`all`: whatever is configured, for
   * the command agent), or why it cannot go through it (e.g. Claude Code on Bedrock).
   */
  gatewayWires(hostEnv: NodeJS.ProcessEnv): ModelWireName[] | 'all' | { unsupported: string };
}

import { z } from 'zod';
import { Duration } from '../config/durationSchema.js';
import { refNameProblem, repoUrlProblem } from '../git/refs.js';
import { httpUrlProblem } from '../util/httpUrlProblem.js';

export const AGENT_NAMES = ['claude', 'command', 'codex', 'gemini'] as const;
export const AgentName = z.enum(AGENT_NAMES);
export type AgentName = z.infer<typeof AgentName>;

export const SANDBOX_MODES = ['none', 'workspace-write', 'read-only'] as const;
export const SandboxMode = z.enum(SANDBOX_MODES);
export type SandboxMode = z.infer<typeof SandboxMode>;

const RepoUrl = z
  .string()
  .max(2048)
  .superRefine((url, ctx) => {
    const problem = repoUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const RefName = z.string().superRefine((ref, ctx) => {
  const problem = refNameProblem(ref);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ShellCommand = z.string().min(1, 'must not be empty').max(16_384);

/** Where Drover POSTs the job's signed start/end notices: http(s), no credentials in it. */
const CallbackUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((value, ctx) => {
    const problem = httpUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * A coding task, as accepted from the CLI, the HTTP API and Redis stream payloads.
 * Field names are a public contract. Unknown fields are rejected so typos never pass silently.
 */
export const JobSpecFields = z.strictObject({
  repo: RepoUrl,
  baseRef: RefName.optional(),
  prompt: z.string().trim().min(1, 'must not be empty').max(200_000),
  agent: AgentName.default('claude'),
  agentCmd: ShellCommand.optional(),
  model: z.string().min(1).max(200).optional(),
  branch: RefName.optional(),
  timeout: Duration.optional(),
  idleTimeout: Duration.optional(),
  allowNoChanges: z.boolean().optional(),
  push: z.boolean().optional(),
  // Redis backend: whose encrypted git token (user:{userId}:git_token) to use.
  userId: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'must be 1-128 characters of letters, digits, _ . @ -')
    .optional(),
  // Guards, the same for every agent.
  maxTurns: z.number().int().positive().max(10_000).optional(),
  maxCostUsd: z.number().positive().max(100_000).optional(),
  // Model gateway: a budget on the tokens of every model call, and the per-job off switch.
  maxTokens: z.number().int().positive().max(1_000_000_000).optional(),
  gateway: z.boolean().optional(),
  sandbox: SandboxMode.optional(),
  environment: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lowercase name like "default", "node" or "python"')
    .optional(),
  // Delivery: test gate, PR, reviewer loop.
  verify: z.array(ShellCommand).max(50).optional(),
  fixRounds: z.number().int().min(0).max(10).optional(),
  prOnFailure: z.boolean().optional(),
  pr: z.boolean().optional(),
  prProvider: z.enum(['github', 'gitlab']).optional(),
  // The PR/MR title (default: the prompt's first line).
  prTitle: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(256)
    .refine((t) => !/[\r\n]/.test(t), 'must be one line')
    .optional(),
  resetBranch: z.boolean().optional(),
  review: z.boolean().optional(),
  reviewAgent: AgentName.optional(),
  reviewCmd: ShellCommand.optional(),
  reviewCycles: z.number().int().min(1).max(5).optional(),
  // Signed start/end notices (X-Drover-Signature), whatever the intake.
  callbackUrl: CallbackUrl.optional(),
  // `review`: review-only job — the reviewer judges `branch` against `baseRef` and records a verdict;
  // nothing is committed or pushed.
  mode: z.enum(['change', 'review']).optional(),
});

export const JobSpec = JobSpecFields.superRefine((spec, ctx) => {
  // A review-only job runs only the reviewer, whose command may be reviewCmd.
  if (spec.agent === 'command' && !spec.agentCmd && !(spec.mode === 'review' && spec.reviewCmd)) {
    ctx.addIssue({ code: 'custom', path: ['agentCmd'], message: 'is required when agent is "command"' });
  }
  if (spec.agent !== 'command' && spec.agentCmd) {
    ctx.addIssue({
      code: 'custom',
      path: ['agentCmd'],
      message: 'is only allowed when agent is "command"',
    });
  }
  if (spec.mode === 'review' && !spec.branch) {
    ctx.addIssue({
      code: 'custom',
      path: ['branch'],
      message: 'is required when mode is "review" (the branch to review)',
    });
  }
  const reviewAgent = spec.reviewAgent ?? spec.agent;
  if (
    (spec.review || spec.mode === 'review') &&
    reviewAgent === 'command' &&
    !spec.reviewCmd &&
    !spec.agentCmd
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['reviewCmd'],
      message: 'is required when the review agent is "command"',
    });
  }
});
export type JobSpec = z.infer<typeof JobSpec>;
/** What producers send: defaults not yet applied. */
export type JobSpecInput = z.input<typeof JobSpec>;

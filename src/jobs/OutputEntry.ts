import { z } from 'zod';

export const OutputStream = z.enum(['stdout', 'stderr', 'system', 'agent']);
export type OutputStream = z.infer<typeof OutputStream>;

/**
 * One line (or agent event) of a job's output, already masked. `seq` is per job, strictly increasing
 * from 1 across attempts, and is the SSE event id and the resume cursor for readers.
 * `type`: for agent events the normalized event type (agent.text, agent.tool_call...), for system
 * lines `phase`, `status` or `end` (the final entry readers stop at).
 */
export const OutputEntry = z.object({
  seq: z.number().int().positive(),
  ts: z.string(),
  stream: OutputStream,
  line: z.string(),
  type: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type OutputEntry = z.infer<typeof OutputEntry>;

/** An entry before the store assigns nothing: the writer numbers entries itself. */
export type NewOutputEntry = Omit<OutputEntry, 'seq' | 'ts'> & { ts?: string };

/** Where a job came from. Set by the intake that created it, never by the submitter's spec. */
export const INTAKES = ['cli', 'api', 'redis', 'forge', 'plan', 'task-runner'] as const;

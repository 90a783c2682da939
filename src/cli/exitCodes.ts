/** Process exit codes: a public contract for scripts and CI. */
export const EXIT = {
  /** The job succeeded (or the command did what it was asked). */
  ok: 0,
  /** The job ended in any other terminal state, or the command failed at run time. */
  failed: 1,
  /** Invalid input: nothing was started. */
  invalid: 2,
} as const;

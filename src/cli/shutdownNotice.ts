/** What a signal does to a serving or working process, said before it happens. */
export function shutdownNotice(
  signal: NodeJS.Signals,
  count: number,
  inFlight: number,
  drain: string,
): string {
  const again = signal === 'SIGINT' ? 'Ctrl-C again' : `${signal} again`;
  const jobs = `${inFlight} job${inFlight === 1 ? '' : 's'}`;
  if (count > 1) return inFlight > 0 ? `stopping now: ${jobs} back to the queue` : 'stopping now';
  if (inFlight === 0) return 'stopping (no jobs running)';
  return `draining ${jobs}, up to ${drain}; ${again} to stop now (unfinished jobs go back to the queue)`;
}

/** The last line of a serving or working process. */
export function stoppedNotice(requeued: number): string {
  return requeued > 0
    ? `stopped; ${requeued} job${requeued === 1 ? '' : 's'} went back to the queue`
    : 'stopped';
}

/**
 * Whether to write colours to `stream`: only to a terminal, and never with NO_COLOR set (non-empty, per
 * no-color.org) or `--no-color` (which sets NO_COLOR for the whole process). Without colours, agent
 * output loses every control sequence, its colours included.
 */
export function colorFor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

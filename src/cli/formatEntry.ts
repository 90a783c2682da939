import type { OutputEntry } from '../jobs/OutputEntry.js';

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Style = keyof typeof CODES;

export function paint(text: string, style: Style, color: boolean): string {
  return color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

/** One output entry as terminal text (phase headers, system notes, agent events, raw lines). */
export function formatEntry(entry: OutputEntry, color: boolean): string {
  switch (entry.stream) {
    case 'system':
      if (entry.type === 'phase') return paint(`==> ${entry.line}`, 'cyan', color);
      if (entry.type === 'status') return paint(`--- ${entry.line}`, 'bold', color);
      if (entry.type === 'end') return '';
      return paint(`  · ${entry.line}`, 'dim', color);
    case 'stderr':
      return paint(entry.line, 'yellow', color);
    case 'agent':
      switch (entry.type) {
        case 'agent.tool_call':
          return paint(`  ${entry.line}`, 'magenta', color);
        case 'agent.tool_result':
          return paint(`  ${entry.line}`, 'dim', color);
        case 'agent.usage':
        case 'agent.init':
          return paint(`  ${entry.line}`, 'dim', color);
        case 'agent.result':
          return paint(entry.line, 'bold', color);
        case 'agent.error':
          return paint(entry.line, 'red', color);
        default:
          return entry.line;
      }
    default:
      return entry.line;
  }
}

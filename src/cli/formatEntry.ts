import type { OutputEntry } from '../jobs/OutputEntry.js';
import { sanitizeForTerminal } from './TerminalSanitizer.js';

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Style = keyof typeof CODES;

export function paint(text: string, style: Style, color: boolean): string {
  return color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

/**
 * One output entry as terminal text (phase headers, system notes, agent events, raw lines). The line is
 * untrusted (the agent wrote it): only its colours survive, and only when `color` is on.
 */
export function formatEntry(entry: OutputEntry, color: boolean): string {
  const line = sanitizeForTerminal(entry.line, color);
  switch (entry.stream) {
    case 'system':
      if (entry.type === 'phase') return paint(`==> ${line}`, 'cyan', color);
      if (entry.type === 'status') return paint(`--- ${line}`, 'bold', color);
      if (entry.type === 'end') return '';
      return paint(`  · ${line}`, 'dim', color);
    case 'stderr':
      return paint(line, 'yellow', color);
    case 'agent':
      switch (entry.type) {
        case 'agent.tool_call':
          return paint(`  ${line}`, 'magenta', color);
        case 'agent.tool_result':
          return paint(`  ${line}`, 'dim', color);
        case 'agent.usage':
        case 'agent.init':
          return paint(`  ${line}`, 'dim', color);
        case 'agent.result':
          return paint(line, 'bold', color);
        case 'agent.error':
          return paint(line, 'red', color);
        default:
          return line;
      }
    default:
      return line;
  }
}

import { formatDuration } from '../config/duration.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { formatEntry, paint } from './formatEntry.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Live job output for a terminal: entries as they arrive, and on a TTY a spinner line with the
 * current phase and its elapsed time, redrawn in place below the output.
 */
export class TerminalRenderer {
  private readonly color: boolean;
  private readonly tty: boolean;
  private phase: string | undefined;
  private phaseStarted = Date.now();
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private spinnerShown = false;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
    this.color = this.tty && !process.env.NO_COLOR;
  }

  entry = (entry: OutputEntry): void => {
    if (entry.stream === 'system' && entry.type === 'phase') {
      this.phase = entry.line;
      this.phaseStarted = Date.now();
      if (this.tty && !this.timer) this.timer = setInterval(() => this.drawSpinner(), 100);
    }
    const text = formatEntry(entry, this.color);
    if (entry.type === 'end') return;
    this.clearSpinner();
    this.out.write(`${text}\n`);
    this.drawSpinner();
  };

  line(text: string, style?: Parameters<typeof paint>[1]): void {
    this.clearSpinner();
    this.out.write(`${style ? paint(text, style, this.color) : text}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearSpinner();
    this.phase = undefined;
  }

  private drawSpinner(): void {
    if (!this.tty || !this.phase) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const elapsed = formatDuration(Date.now() - this.phaseStarted);
    this.out.write(`\r\x1b[2K${paint(`${FRAMES[this.frame]} ${this.phase} ${elapsed}`, 'dim', this.color)}`);
    this.spinnerShown = true;
  }

  private clearSpinner(): void {
    if (this.spinnerShown) this.out.write('\r\x1b[2K');
    this.spinnerShown = false;
  }
}

import { formatDuration } from '../config/duration.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import { colorFor } from './colorMode.js';
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
  /** Text not yet written: a flood of lines becomes one write per tick, not one syscall per line. */
  private buffer = '';
  private flushScheduled = false;
  /** Set while the stream (a pipe: writes are asynchronous on Linux) has more queued than it wants. */
  private drained: Promise<void> | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
    this.color = colorFor(out);
  }

  /** Renders one entry; the returned promise (if any) asks the producer to wait for a slow reader. */
  entry = (entry: OutputEntry): Promise<void> | undefined => {
    if (entry.stream === 'system' && entry.type === 'phase') {
      this.phase = entry.line;
      this.phaseStarted = Date.now();
      if (this.tty && !this.timer) this.timer = setInterval(() => this.redrawSpinner(), 100);
    }
    const text = formatEntry(entry, this.color);
    if (entry.type === 'end') return undefined;
    this.clearSpinner();
    this.write(`${text}\n`);
    return this.backpressure();
  };

  private backpressure(): Promise<void> | undefined {
    if (this.out.destroyed) return undefined; // the reader went away (drover run | head)
    if (this.drained || !this.out.writableNeedDrain) return this.drained;
    this.drained = new Promise((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.drained = undefined;
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
    return this.drained;
  }

  line(text: string, style?: Parameters<typeof paint>[1]): void {
    this.clearSpinner();
    this.write(`${style ? paint(text, style, this.color) : text}\n`);
    this.flush();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearSpinner();
    this.phase = undefined;
    this.flush();
  }

  private write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= 65_536) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    // The spinner goes below the output, once per batch.
    if (this.buffer && !this.spinnerShown) this.drawSpinner();
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = '';
    if (!this.out.destroyed) this.out.write(text);
  }

  private redrawSpinner(): void {
    this.clearSpinner();
    this.drawSpinner();
    this.flush();
  }

  private drawSpinner(): void {
    if (!this.tty || !this.phase) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const elapsed = formatDuration(Date.now() - this.phaseStarted);
    this.buffer += `\r\x1b[2K${paint(`${FRAMES[this.frame]} ${this.phase} ${elapsed}`, 'dim', this.color)}`;
    this.spinnerShown = true;
  }

  private clearSpinner(): void {
    if (this.spinnerShown) this.buffer += '\r\x1b[2K';
    this.spinnerShown = false;
  }
}

/**
 * Splits text into lines, never holding more than maxLineLength characters: a longer line is
 * emitted in pieces so a gigantic line cannot exhaust memory.
 */
export class LineSplitter {
  private partial = '';

  constructor(private readonly maxLineLength = 16_384) {}

  push(text: string, emit: (line: string) => void): void {
    let start = 0;
    let data = this.partial + text;
    this.partial = '';
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl === -1) break;
      let end = nl;
      if (end > start && data.charCodeAt(end - 1) === 13) end--; // CRLF
      this.emitBounded(data.slice(start, end), emit);
      start = nl + 1;
    }
    data = data.slice(start);
    while (data.length > this.maxLineLength) {
      emit(data.slice(0, this.maxLineLength));
      data = data.slice(this.maxLineLength);
    }
    this.partial = data;
  }

  flush(emit: (line: string) => void): void {
    if (this.partial.length > 0) emit(this.partial);
    this.partial = '';
  }

  private emitBounded(line: string, emit: (line: string) => void): void {
    for (let i = 0; i < line.length; i += this.maxLineLength) emit(line.slice(i, i + this.maxLineLength));
    if (line.length === 0) emit('');
  }
}

/**
 * Makes untrusted text (agent output, error messages) safe to write to a terminal. Everything that could
 * drive the terminal is dropped — CSI sequences other than colours (cursor moves, erase, mode changes,
 * device reports), OSC (window title, hyperlinks, OSC 52 clipboard writes), DCS/SOS/PM/APC strings, other
 * escape sequences, C1 controls, lone ESC, and C0 controls but tab and newline (BEL, backspace and
 * carriage return, which can hide text by overwriting it). SGR colour sequences (`ESC [ … m`) are kept
 * only when `keepColors` is set (a TTY that wants colours); otherwise they are dropped too.
 *
 * It is a small ECMA-48 state machine fed chunk by chunk: a sequence split across writes is recognised
 * as a whole. A newline ends any unfinished sequence (the text after it stays visible), and end() drops
 * one still open, so nothing can swallow later output or leave the terminal inside a sequence.
 */
export class TerminalSanitizer {
  private state: 'ground' | 'esc' | 'escInter' | 'csi' | 'string' | 'stringEsc' = 'ground';
  private csi = '';
  private csiValid = true;

  constructor(private readonly keepColors: boolean) {}

  /** Sanitizes the next chunk; a sequence still open at its end continues in the next write. */
  write(chunk: string): string {
    let out = '';
    let textStart = -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.state === 'ground') {
        if (isPlain(c)) {
          if (textStart < 0) textStart = i;
          continue;
        }
        if (textStart >= 0) {
          out += chunk.slice(textStart, i);
          textStart = -1;
        }
        out += this.ground(c);
        continue;
      }
      out += this.inSequence(c);
    }
    if (textStart >= 0) out += chunk.slice(textStart);
    return out;
  }

  /** Drops a sequence left open (the end of an entry or stream). */
  end(): void {
    this.state = 'ground';
    this.csi = '';
  }

  /** A control character in ground state: starts a sequence, or is dropped (tab and newline pass). */
  private ground(c: number): string {
    if (c === 0x09 || c === 0x0a) return String.fromCharCode(c);
    if (c === 0x1b) this.state = 'esc';
    else if (c === 0x9b) this.startCsi();
    else if (c === 0x90 || c === 0x98 || c === 0x9d || c === 0x9e || c === 0x9f) this.state = 'string';
    return '';
  }

  private startCsi(): void {
    this.state = 'csi';
    this.csi = '';
    this.csiValid = true;
  }

  private inSequence(c: number): string {
    // A newline always ends what is open; other C0 controls abort a sequence too (CAN and SUB do in
    // terminals) and are themselves dropped. A C1 control starts over from ground.
    if (c === 0x0a) {
      this.end();
      return '\n';
    }
    switch (this.state) {
      case 'esc':
        if (c === 0x5b) this.startCsi();
        else if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) this.state = 'string';
        else if (c >= 0x20 && c <= 0x2f) this.state = 'escInter';
        else if (c === 0x1b) this.state = 'esc';
        else if (c >= 0x30 && c <= 0x7e) this.state = 'ground';
        else return this.abort(c);
        return '';
      case 'escInter':
        if (c >= 0x20 && c <= 0x2f) return '';
        if (c >= 0x30 && c <= 0x7e) {
          this.state = 'ground';
          return '';
        }
        return this.abort(c);
      case 'csi':
        if (c >= 0x40 && c <= 0x7e) {
          const sgr = c === 0x6d && this.csiValid && /^[0-9;:]*$/.test(this.csi);
          const text = sgr && this.keepColors ? safeSgr(this.csi) : '';
          this.end();
          return text;
        }
        if (c >= 0x20 && c <= 0x3f) {
          // Parameters and intermediates; an overlong one is still consumed, never passed on.
          if (this.csi.length < 64) this.csi += String.fromCharCode(c);
          else this.csiValid = false;
          return '';
        }
        return this.abort(c);
      default:
        // Inside OSC/DCS/SOS/PM/APC: everything is payload until BEL or ST (ESC \ or 0x9c); an ESC
        // followed by anything else ends the string and starts a new sequence, as in terminals.
        if (this.state === 'stringEsc') {
          if (c === 0x5c) {
            this.state = 'ground';
            return '';
          }
          this.state = 'esc';
          return this.inSequence(c);
        }
        if (c === 0x07 || c === 0x9c || c === 0x18 || c === 0x1a) this.state = 'ground';
        else if (c === 0x1b) this.state = 'stringEsc';
        return '';
    }
  }

  /** An unexpected character inside a sequence: drop the sequence, then treat the character as text. */
  private abort(c: number): string {
    this.end();
    return isPlain(c) ? String.fromCharCode(c) : this.ground(c);
  }
}

/**
 * An SGR sequence without "conceal" (8), which would hide the text that follows; colour arguments
 * (`38;5;8`, `48;2;r;g;b`) are skipped over, not mistaken for it.
 */
function safeSgr(params: string): string {
  const parts = params.split(';');
  const kept: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '38' || p === '48' || p === '58') {
      const args = parts[i + 1] === '5' ? 2 : parts[i + 1] === '2' ? 4 : 0;
      kept.push(...parts.slice(i, i + 1 + args));
      i += args;
    } else if (Number(p) !== 8 || p === '') kept.push(p);
  }
  return kept.length === 0 && parts.length > 0 && params !== '' ? '' : `\x1b[${kept.join(';')}m`;
}

/** Printable: not a C0 control, DEL or a C1 control. */
function isPlain(c: number): boolean {
  return c >= 0x20 && c !== 0x7f && (c < 0x80 || c > 0x9f);
}

/** One piece of untrusted text for the terminal (a line, a message): nothing left open after it. */
export function sanitizeForTerminal(text: string, keepColors: boolean): string {
  // Fast path: most lines have no control character at all.
  if (!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text)) return text;
  return new TerminalSanitizer(keepColors).write(text);
}

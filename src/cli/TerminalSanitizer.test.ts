import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal, TerminalSanitizer } from './TerminalSanitizer.js';

const ESC = '\x1b';
const BEL = '\x07';
const ST = `${ESC}\\`;

// [name, input, on a colour TTY, stripped (not a TTY / NO_COLOR / --no-color)]
const TABLE: [string, string, string, string][] = [
  ['plain text', 'hello world', 'hello world', 'hello world'],
  ['tab kept', 'a\tb', 'a\tb', 'a\tb'],
  ['SGR colour', `${ESC}[31mred${ESC}[0m`, `${ESC}[31mred${ESC}[0m`, 'red'],
  ['SGR reset without params', `${ESC}[1mb${ESC}[m`, `${ESC}[1mb${ESC}[m`, 'b'],
  ['SGR 256 and true colour', `${ESC}[38;5;8;48;2;1;2;3mx`, `${ESC}[38;5;8;48;2;1;2;3mx`, 'x'],
  ['SGR colon sub-params', `${ESC}[38:2::255:0:0mx`, `${ESC}[38:2::255:0:0mx`, 'x'],
  ['SGR conceal dropped', `${ESC}[31;8msecret`, `${ESC}[31msecret`, 'secret'],
  ['SGR conceal alone', `${ESC}[8msecret`, 'secret', 'secret'],
  ['OSC 0 window title (BEL)', `a${ESC}]0;pwned${BEL}b`, 'ab', 'ab'],
  ['OSC 2 window title (ST)', `a${ESC}]2;pwned${ST}b`, 'ab', 'ab'],
  ['OSC 8 hyperlink', `${ESC}]8;;https://evil.example${ST}click${ESC}]8;;${ST}`, 'click', 'click'],
  ['OSC 52 clipboard write', `x${ESC}]52;c;Y3VybCBldmlsIHwgc2g=${BEL}y`, 'xy', 'xy'],
  ['OSC terminated by CAN', `x${ESC}]0;t\x18y`, 'xy', 'xy'],
  ['OSC cut by a new escape', `x${ESC}]0;t${ESC}[31my`, `x${ESC}[31my`, 'xy'],
  ['DCS (e.g. DECRQSS)', `a${ESC}P$qm${ST}b`, 'ab', 'ab'],
  ['APC', `a${ESC}_payload${ST}b`, 'ab', 'ab'],
  ['PM', `a${ESC}^payload${ST}b`, 'ab', 'ab'],
  ['SOS', `a${ESC}Xpayload${ST}b`, 'ab', 'ab'],
  ['CSI clear screen', `${ESC}[2J${ESC}[Hx`, 'x', 'x'],
  ['CSI cursor up + erase line', `one${ESC}[1A${ESC}[2Ktwo`, 'onetwo', 'onetwo'],
  ['CSI private mode (alt screen)', `${ESC}[?1049hx`, 'x', 'x'],
  ['CSI device status report', `${ESC}[6nx`, 'x', 'x'],
  ['CSI window manipulation', `${ESC}[21tx`, 'x', 'x'],
  ['CSI with intermediate', `${ESC}[1 qx`, 'x', 'x'],
  ['m-final with private marker', `${ESC}[?31mx`, 'x', 'x'],
  ['overlong SGR', `${ESC}[${'1;'.repeat(100)}mx`, 'x', 'x'],
  ['C1 CSI (U+009B)', '\u009b2Jx', 'x', 'x'],
  ['C1 OSC (U+009D) with C1 ST', 'a\u009d0;t\u009cb', 'ab', 'ab'],
  ['C1 DCS', 'a\u0090q\u009cb', 'ab', 'ab'],
  ['lone C1 NEL/IND', 'a\u0085\u0084b', 'ab', 'ab'],
  ['two-character escapes (reset, save cursor)', `a${ESC}c${ESC}7${ESC}Mb`, 'ab', 'ab'],
  ['charset designation', `a${ESC}(0b${ESC}(B`, 'ab', 'ab'],
  ['lone ESC at the end', `a${ESC}`, 'a', 'a'],
  ['ESC before a non-ASCII letter', `a${ESC}éb`, 'aéb', 'aéb'],
  ['BEL', `ding${BEL}`, 'ding', 'ding'],
  ['backspace overwrite', 'rm -rf ~\b\b\b\b\b\b\b\bls', 'rm -rf ~ls', 'rm -rf ~ls'],
  ['carriage return overwrite', 'evil command\rsafe', 'evil commandsafe', 'evil commandsafe'],
  ['DEL and NUL', 'a\x7f\x00b', 'ab', 'ab'],
  ['unterminated OSC hides nothing after a newline', `a${ESC}]0;title\nvisible`, 'a\nvisible', 'a\nvisible'],
  ['unterminated CSI', `a${ESC}[12`, 'a', 'a'],
  ['CSI aborted by a control', `a${ESC}[1\bb`, 'ab', 'ab'],
  ['emoji and CJK untouched', 'ok ✓ 日本 🚀', 'ok ✓ 日本 🚀', 'ok ✓ 日本 🚀'],
];

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('TerminalSanitizer', () => {
  it.each(TABLE)('%s', (_name, input, tty, plain) => {
    expect(sanitizeForTerminal(input, true)).toBe(tty);
    expect(sanitizeForTerminal(input, false)).toBe(plain);
    // Stripped output never carries a control character but tab and newline.
    expect(sanitizeForTerminal(input, false)).not.toMatch(CONTROL);
    // With colours, the only ESC left starts an SGR sequence.
    for (const m of sanitizeForTerminal(input, true).matchAll(/\x1b/g)) {
      expect(sanitizeForTerminal(input, true).slice(m.index)).toMatch(/^\x1b\[[0-9;:]*m/);
    }
  });

  it.each(TABLE)('%s, split across chunks at every position', (_name, input, tty, plain) => {
    for (const keep of [true, false]) {
      for (let cut = 0; cut <= input.length; cut++) {
        const s = new TerminalSanitizer(keep);
        const out = s.write(input.slice(0, cut)) + s.write(input.slice(cut));
        s.end();
        expect(out, `cut at ${cut}`).toBe(keep ? tty : plain);
      }
    }
  });

  it('drops a sequence left open at end(), so the next write starts clean', () => {
    const s = new TerminalSanitizer(true);
    expect(s.write(`a${ESC}]52;c;AAAA`)).toBe('a');
    s.end();
    expect(s.write('visible')).toBe('visible');
    // Without end(), the payload continues (a sequence split across writes stays one sequence).
    expect(s.write(`${ESC}]0;x`) + s.write(`y${BEL}z`)).toBe('z');
  });

  it('takes one character at a time as well as the whole', () => {
    const input = TABLE.map(([, i]) => i).join('\n');
    const s = new TerminalSanitizer(true);
    const out = [...input].map((ch) => s.write(ch)).join('');
    expect(out).toBe(sanitizeForTerminal(input, true));
  });
});

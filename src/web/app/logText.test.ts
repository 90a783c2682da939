import { describe, expect, it } from 'vitest';
import { ansiSegments, findMatches, plainText, splitAtMatches } from './ansi';
import { parseDiff } from './diff';

describe('ansiSegments', () => {
  it('turns SGR codes into classes and keeps the text as text', () => {
    expect(ansiSegments('\x1b[31mred\x1b[0m plain \x1b[1;32mbold\x1b[0m')).toEqual([
      { text: 'red', classes: 'ansi-red-fg' },
      { text: ' plain ', classes: '' },
      { text: 'bold', classes: 'ansi-green-fg ansi-bold' },
    ]);
  });

  it('never yields markup: hostile text stays literal, entities are decoded once', () => {
    const hostile = '\x1b[33m<img src=x onerror=alert(1)>\x1b[0m <script>alert("x")</script> &amp; &lt;';
    const segs = ansiSegments(hostile);
    expect(plainText(segs)).toBe('<img src=x onerror=alert(1)> <script>alert("x")</script> &amp; &lt;');
    expect(segs[0]).toEqual({ text: '<img src=x onerror=alert(1)>', classes: 'ansi-yellow-fg' });
  });

  it('keeps true colours as validated rgb() values and drops links, cursor codes and cut sequences', () => {
    const segs = ansiSegments('\x1b[38;2;10;20;30mtc\x1b[0m \x1b[48;5;200mbg\x1b[0m \x1b[3;4mi\x1b[0m');
    expect(segs).toEqual([
      { text: 'tc', classes: '', color: 'rgb(10,20,30)' },
      { text: ' ', classes: '' },
      { text: 'bg', classes: '', background: 'rgb(255,0,215)' },
      { text: ' ', classes: '' },
      { text: 'i', classes: 'ansi-italic ansi-underline' },
    ]);
    expect(plainText(ansiSegments('\x1b]8;;https://x.example\x07link\x1b]8;;\x07 after'))).toBe('link after');
    expect(plainText(ansiSegments('\x1b[2Kclear \x1b[?25lhidden \x1b[31'))).toBe('clear hidden ');
  });
});

describe('search helpers', () => {
  it('finds case-insensitive matches and cuts coloured segments at their edges', () => {
    const segs = ansiSegments('ab\x1b[31mcDE\x1b[0mfcde');
    expect(findMatches(plainText(segs), 'CD')).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(splitAtMatches(segs, findMatches(plainText(segs), 'bcd'))).toEqual([
      { text: 'a', classes: '' },
      { text: 'b', classes: '', match: 0 },
      { text: 'cD', classes: 'ansi-red-fg', match: 0 },
      { text: 'E', classes: 'ansi-red-fg' },
      { text: 'fcde', classes: '' },
    ]);
    expect(findMatches('aaaa', 'aa')).toEqual([
      [0, 2],
      [2, 4],
    ]);
    expect(findMatches('abc', '')).toEqual([]);
  });
});

describe('parseDiff', () => {
  it('splits a git diff into files with counts and line kinds', () => {
    const diff = [
      'diff --git a/src/app.ts b/src/app.ts',
      'index 1..2 100644',
      '--- a/src/app.ts',
      '+++ b/src/app.ts',
      '@@ -1,2 +1,2 @@',
      ' keep',
      '-old <b>',
      '+new <script>',
      '\\ No newline at end of file',
      'diff --git a/new file.txt b/new file.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new file.txt',
      '@@ -0,0 +1 @@',
      '+hello',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      'diff --git a/old.txt b/moved.txt',
      'similarity index 100%',
      'rename from old.txt',
      'rename to moved.txt',
      'diff --git a/img.png b/img.png',
      'Binary files a/img.png and b/img.png differ',
      '',
    ].join('\n');
    const files = parseDiff(diff);
    expect(files.map((f) => [f.path, f.status, f.added, f.removed])).toEqual([
      ['src/app.ts', 'modified', 1, 1],
      ['new file.txt', 'added', 1, 0],
      ['gone.txt', 'deleted', 0, 1],
      ['moved.txt', 'renamed', 0, 0],
      ['img.png', 'binary', 0, 0],
    ]);
    expect(files[0]!.lines.map((l) => l.kind)).toEqual(['hunk', 'ctx', 'del', 'add', 'meta']);
    expect(files[0]!.lines[3]!.text).toBe('+new <script>');
    expect(files[3]!.from).toBe('old.txt');
    expect(files[4]!.lines).toEqual([{ kind: 'meta', text: 'Binary files a/img.png and b/img.png differ' }]);
  });
});

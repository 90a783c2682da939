import { AnsiUp } from 'ansi_up';

/** A run of log text with one set of ANSI attributes. Always rendered as a text node, never as HTML. */
export interface Segment {
  text: string;
  /** `ansi-*` class names (palette colours, bold, faint, italic, underline). */
  classes: string;
  /** 256-colour and true-colour values, set through the CSSOM (allowed by the CSP), never an attribute. */
  color?: string;
  background?: string;
}

const STYLE_CLASSES: Record<string, string> = {
  'font-weight:bold': 'ansi-bold',
  'opacity:0.7': 'ansi-faint',
  'font-style:italic': 'ansi-italic',
  'text-decoration:underline': 'ansi-underline',
};
const RGB = /^rgb\(\d{1,3},\d{1,3},\d{1,3}\)$/;
const CLASS = /^ansi-[a-z-]+$/;
const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
};
// Everything ansi_up emits in class mode: spans (style before class), OSC 8 links, escaped text.
const TOKEN =
  /<span(?: style="([^"<>]*)")?(?: class="([^"<>]*)")?>([^<]*)<\/span>|<a href="[^"<>]*">([^<]*)<\/a>|([^<]+)/y;
// Fallback: any escape sequence (CSI, OSC, two-character) is dropped.
const ESCAPES = /\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x40-\x5f])/g;

const decodeEntities = (html: string) => html.replace(/&(?:amp|lt|gt|quot|#x27);/g, (e) => ENTITIES[e] ?? e);

function segment(text: string, style: string | undefined, classAttr: string | undefined): Segment {
  const classes = (classAttr ?? '').split(' ').filter((c) => CLASS.test(c));
  const seg: Segment = { text: decodeEntities(text), classes: '' };
  for (const decl of (style ?? '').split(';')) {
    const [prop, value = ''] = decl.split(':');
    const known = STYLE_CLASSES[decl];
    if (known) classes.push(known);
    else if (prop === 'color' && RGB.test(value)) seg.color = value;
    else if (prop === 'background-color' && RGB.test(value)) seg.background = value;
  }
  seg.classes = classes.join(' ');
  return seg;
}

/**
 * Splits one line of agent output into coloured segments. ansi_up parses the escape codes and
 * escapes the text; its (small, fixed) output grammar is read back into plain strings here, so the
 * page never parses agent output as HTML. Links (OSC 8) become their text. Each line starts with
 * fresh attributes, so a colour left open or a truncated sequence never leaks into the next line.
 */
export function ansiSegments(line: string): Segment[] {
  if (!line.includes('\x1b')) return [{ text: line, classes: '' }];
  const up = new AnsiUp();
  up.use_classes = true;
  const html = up.ansi_to_html(line);
  const out: Segment[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < html.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(html);
    if (!m || TOKEN.lastIndex === start) return [{ text: line.replace(ESCAPES, ''), classes: '' }];
    if (m[3] !== undefined) out.push(segment(m[3], m[1], m[2]));
    else out.push({ text: decodeEntities(m[4] ?? m[5] ?? ''), classes: '' });
  }
  return out.filter((s) => s.text !== '');
}

/** Cached per entry: a line is parsed once however often the log re-renders. */
const cache = new WeakMap<object, Segment[]>();
export function segmentsOf(entry: { line: string }): Segment[] {
  let segs = cache.get(entry);
  if (!segs) {
    segs = ansiSegments(entry.line);
    cache.set(entry, segs);
  }
  return segs;
}

export const plainText = (segs: Segment[]): string => segs.map((s) => s.text).join('');

/** Case-insensitive match ranges of `query` in `text` (non-overlapping, in order). */
export function findMatches(text: string, query: string): [number, number][] {
  if (!query) return [];
  const hay = text.toLowerCase();
  const needle = query.toLowerCase();
  const out: [number, number][] = [];
  for (
    let i = hay.indexOf(needle);
    i !== -1 && out.length < 1000;
    i = hay.indexOf(needle, i + needle.length)
  ) {
    out.push([i, i + needle.length]);
  }
  return out;
}

export interface Piece extends Segment {
  /** Index of the match this piece belongs to (within the line), if any. */
  match?: number;
}

/** Cuts segments at match boundaries so matches can be marked without losing colours. */
export function splitAtMatches(segs: Segment[], matches: [number, number][]): Piece[] {
  if (matches.length === 0) return segs;
  const out: Piece[] = [];
  let pos = 0;
  for (const seg of segs) {
    const end = pos + seg.text.length;
    let cut = pos;
    while (cut < end) {
      const m = matches.findIndex(([a, b]) => b > cut && a < end);
      const range = matches[m];
      if (!range || range[0] >= end) {
        out.push({ ...seg, text: seg.text.slice(cut - pos) });
        break;
      }
      const [a, b] = range;
      if (a > cut) out.push({ ...seg, text: seg.text.slice(cut - pos, a - pos) });
      const stop = Math.min(b, end);
      out.push({ ...seg, text: seg.text.slice(Math.max(a, cut) - pos, stop - pos), match: m });
      cut = stop;
    }
    pos = end;
  }
  return out;
}

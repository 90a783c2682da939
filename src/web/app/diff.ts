/** One file of a `git diff`, as plain text lines (rendered as text, never HTML). */
export interface DiffFile {
  path: string;
  /** The old path when the file was renamed or copied. */
  from?: string;
  status: 'added' | 'deleted' | 'renamed' | 'modified' | 'binary';
  added: number;
  removed: number;
  lines: DiffLine[];
}

export interface DiffLine {
  kind: 'add' | 'del' | 'hunk' | 'ctx' | 'meta';
  text: string;
}

const stripPrefix = (path: string) => path.replace(/^"?[ab]\//, '').replace(/"$/, '');

/** Best guess at the new path from `diff --git a/x b/x` (only used when no ---/+++ line names it). */
function headerPath(header: string): string {
  const rest = header.slice('diff --git '.length);
  const half = rest.length >> 1;
  // Unrenamed files: "a/P b/P", the same P twice.
  if (rest[half] === ' ' && stripPrefix(rest.slice(0, half)) === stripPrefix(rest.slice(half + 1))) {
    return stripPrefix(rest.slice(half + 1));
  }
  const b = rest.lastIndexOf(' b/');
  return stripPrefix(b === -1 ? rest : rest.slice(b + 1));
}

/** Parses unified git diff text into files; anything unexpected is kept as a meta line. */
export function parseDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let inHunk = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      file = { path: headerPath(line), status: 'modified', added: 0, removed: 0, lines: [] };
      files.push(file);
      inHunk = false;
      continue;
    }
    if (!file) continue;
    if (!inHunk) {
      if (line.startsWith('new file mode')) file.status = 'added';
      else if (line.startsWith('deleted file mode')) file.status = 'deleted';
      else if (line.startsWith('rename from ') || line.startsWith('copy from ')) {
        file.from = line.replace(/^(rename|copy) from /, '');
        file.status = 'renamed';
      } else if (line.startsWith('rename to ') || line.startsWith('copy to ')) {
        file.path = line.replace(/^(rename|copy) to /, '');
      } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.status = 'binary';
      else if (line.startsWith('+++ ') && line !== '+++ /dev/null') file.path = stripPrefix(line.slice(4));
      else if (line.startsWith('--- ') && line !== '--- /dev/null' && file.status === 'deleted') {
        file.path = stripPrefix(line.slice(4));
      }
    }
    if (line.startsWith('@@')) {
      inHunk = true;
      file.lines.push({ kind: 'hunk', text: line });
    } else if (inHunk && line.startsWith('+')) {
      file.added++;
      file.lines.push({ kind: 'add', text: line });
    } else if (inHunk && line.startsWith('-')) {
      file.removed++;
      file.lines.push({ kind: 'del', text: line });
    } else if (inHunk && (line.startsWith(' ') || line === '')) {
      file.lines.push({ kind: 'ctx', text: line });
    } else if (inHunk && line.startsWith('\\')) {
      file.lines.push({ kind: 'meta', text: line });
    } else if (!inHunk && file.status === 'binary' && line.startsWith('Binary files ')) {
      file.lines.push({ kind: 'meta', text: line });
    }
  }
  // The trailing newline of the text leaves one empty context line behind.
  for (const f of files) if (f.lines.at(-1)?.kind === 'ctx' && f.lines.at(-1)?.text === '') f.lines.pop();
  return files;
}

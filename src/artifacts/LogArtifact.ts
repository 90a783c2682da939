import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { formatEntry } from '../cli/formatEntry.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import type { Masker } from '../secrets/Masker.js';
import type { JobStore } from '../store/types.js';

export const LOG_ARTIFACT = 'log.txt';
/** A stale prefix above this is left as written (it was masked line by line when written). */
const REMASK_LIMIT = 64 * 1024 * 1024;
/** Text gathered before a write is started. */
const WRITE_CHARS = 256 * 1024;
/** Text waiting behind a running write above which the job's output waits (bounded memory). */
const HIGH_WATER_CHARS = 8 * 1024 * 1024;
const PAGE = 1000;

type FileHandle = Awaited<ReturnType<typeof open>>;

/**
 * The job's log artifact (`log.txt`: every output entry as the terminal shows it, with its timestamp),
 * written while the job runs from the same masked entries the store receives, instead of being read
 * back from the store at the end. A new attempt of a retried job starts the file with the earlier
 * attempts' entries from the store, then continues with its own (their numbering continues too).
 *
 * Masking: each entry is masked when it is produced, with the secrets known then (as in the store).
 * Secrets learnt later (a token resolved after the first line, a forge token at the PR step) mask the
 * part of the file written before them once more at the end, as the whole file used to be.
 */
export class LogArtifact {
  private parts: string[] = [];
  private partsChars = 0;
  private writing: Promise<void> | undefined;
  private position = 0;
  /** Bytes at the start of the file written before the masker knew all its secrets. */
  private staleBytes = 0;
  private maskerSize: number;
  private failed: Error | undefined;
  private closed = false;
  private fileClosed = false;

  private constructor(
    private readonly file: FileHandle,
    private readonly partialPath: string,
    readonly path: string,
    private readonly masker: Masker,
    private readonly logger: Logger | undefined,
  ) {
    this.maskerSize = masker.size;
  }

  /** Opens the log for a job whose store holds `lastSeq` entries from earlier attempts. */
  static async open(opts: {
    dir: string;
    store: JobStore;
    jobId: string;
    lastSeq: number;
    masker: Masker;
    logger?: Logger;
  }): Promise<LogArtifact> {
    await mkdir(opts.dir, { recursive: true });
    const partialPath = join(opts.dir, `.${LOG_ARTIFACT}.${process.pid}.partial`);
    const file = await open(partialPath, 'w+');
    const log = new LogArtifact(file, partialPath, join(opts.dir, LOG_ARTIFACT), opts.masker, opts.logger);
    try {
      for (let after = 0; after < opts.lastSeq; ) {
        const entries = await opts.store.readOutput(opts.jobId, after, PAGE);
        for (const entry of entries) if (entry.seq <= opts.lastSeq) log.add(entry);
        if (entries.length < PAGE) break;
        after = entries.at(-1)!.seq;
      }
      // Earlier attempts' entries were masked by another runner's masker: mask them again at the end.
      await log.drain();
      log.staleBytes = log.position;
    } catch (err) {
      await file.close().catch(() => {});
      throw err;
    }
    return log;
  }

  /** An output listener: call with every entry, in order, as it is appended. */
  readonly onEntry = (entry: OutputEntry): Promise<void> | undefined => {
    if (this.closed || this.failed) return undefined;
    if (this.masker.size !== this.maskerSize) {
      // Everything before this entry was masked without the secrets learnt since.
      this.maskerSize = this.masker.size;
      this.staleBytes = this.position + Buffer.byteLength(this.parts.join(''));
    }
    return this.add(entry);
  };

  private add(entry: OutputEntry): Promise<void> | undefined {
    if (entry.type === 'end') return undefined;
    const text = `${entry.ts} ${formatEntry(entry, false)}\n`;
    this.parts.push(text);
    this.partsChars += text.length;
    if (this.partsChars >= WRITE_CHARS && !this.writing) this.startWrite();
    // Producers wait only when far behind the disk.
    return this.partsChars >= HIGH_WATER_CHARS ? this.writing : undefined;
  }

  private startWrite(): void {
    const buffer = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.partsChars = 0;
    this.writing = this.writeAt(buffer, this.position)
      .then(
        () => {
          this.position += buffer.length;
        },
        (err: Error) => {
          // The job goes on without the streamed log; finishing falls back to the store.
          this.failed ??= err;
          this.parts = [];
          this.partsChars = 0;
          this.logger?.warn({ err }, 'could not write the log artifact; it will be read from the store');
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (this.partsChars >= WRITE_CHARS && !this.failed) this.startWrite();
      });
  }

  private async writeAt(buffer: Buffer, position: number, length = buffer.length): Promise<void> {
    for (let done = 0; done < length; ) {
      const { bytesWritten } = await this.file.write(buffer, done, length - done, position + done);
      done += bytesWritten;
    }
  }

  /** Reads up to `length` bytes at `position` (fewer only at the end of the file). */
  private async readAt(buffer: Buffer, position: number, length = buffer.length): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  /** Writes everything gathered so far. */
  private async drain(): Promise<void> {
    while (this.writing || (this.parts.length > 0 && !this.failed)) {
      if (!this.writing) this.startWrite();
      await this.writing;
    }
  }

  /**
   * After the job's output is closed: writes the rest, masks the stale prefix with every secret
   * known now, and puts the file in place as log.txt. False when the streamed log failed (the
   * caller writes the log from the store instead).
   */
  async finish(): Promise<boolean> {
    this.closed = true;
    await this.drain();
    if (this.masker.size !== this.maskerSize) this.staleBytes = this.position;
    try {
      if (this.failed) return false;
      if (this.staleBytes > 0 && this.staleBytes <= REMASK_LIMIT) await this.remaskPrefix();
      await this.file.close();
      this.fileClosed = true;
      await rename(this.partialPath, this.path);
      await removeLeftovers(this.path);
      return true;
    } catch (err) {
      this.logger?.warn({ err }, 'could not finish the log artifact; it will be read from the store');
      return false;
    } finally {
      if (!this.fileClosed) await this.file.close().catch(() => {});
      await rm(this.partialPath, { force: true }).catch(() => {});
    }
  }

  /** Gives up the log (the job was released or lost): the file is removed. */
  async discard(): Promise<void> {
    this.closed = true;
    await this.drain().catch(() => {});
    await this.file.close().catch(() => {});
    await rm(this.partialPath, { force: true }).catch(() => {});
  }

  private async remaskPrefix(): Promise<void> {
    const prefix = Buffer.alloc(this.staleBytes);
    await this.readAt(prefix, 0);
    const text = prefix.toString('utf8');
    const masked = this.masker.mask(text);
    if (masked === text) return;
    const head = Buffer.from(masked);
    if (head.length > this.staleBytes) {
      // Never with the Masker's `***` for secrets of 4+ characters; kept correct all the same.
      const rest = Buffer.alloc(this.position - this.staleBytes);
      await this.readAt(rest, this.staleBytes);
      await this.writeAt(Buffer.concat([head, rest]), 0);
      return;
    }
    // The masked prefix is shorter: rewrite it and move the rest up behind it, a piece at a time
    // (reading always stays ahead of writing).
    await this.writeAt(head, 0);
    const piece = Buffer.alloc(1 << 20);
    let from = this.staleBytes;
    let to = head.length;
    while (from < this.position) {
      const read = await this.readAt(piece, from, Math.min(piece.length, this.position - from));
      if (read === 0) break;
      await this.writeAt(piece, to, read);
      from += read;
      to += read;
    }
    await this.file.truncate(to);
  }
}

/** Partial logs a crashed runner left next to the finished log. */
async function removeLeftovers(path: string): Promise<void> {
  const dir = join(path, '..');
  const prefix = `.${LOG_ARTIFACT}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && name.endsWith('.partial')) await rm(join(dir, name), { force: true });
  }
}

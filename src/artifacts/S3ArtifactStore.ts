import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AwsClient } from 'aws4fetch';
import { ArtifactError } from '../errors.js';
import { removeTree } from '../workspace/Workspace.js';
import {
  type ArtifactBody,
  type ArtifactInfo,
  type ArtifactStore,
  artifactNameProblem,
  assertArtifactName,
  assertJobId,
  contentTypeFor,
} from './types.js';

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix, '' or ending in '/'. */
  prefix: string;
  region: string;
  /** S3-compatible endpoint (MinIO, R2, Ceph...); default AWS's regional endpoint. */
  endpoint?: string;
  /** Path-style URLs (<endpoint>/<bucket>/<key>); default true with an endpoint, false on AWS. */
  forcePathStyle?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Artifacts as objects `<prefix><jobId>/<name>` in an S3 bucket (SigV4 via aws4fetch, plain fetch). */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  private readonly client: AwsClient;
  private readonly bucketUrl: string;

  constructor(private readonly opts: S3ArtifactStoreOptions) {
    this.client = new AwsClient({
      accessKeyId: opts.accessKeyId,
      secretAccessKey: opts.secretAccessKey,
      ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}),
      service: 's3',
      region: opts.region,
      retries: 2,
    });
    const endpoint = (opts.endpoint ?? `https://s3.${opts.region}.amazonaws.com`).replace(/\/+$/, '');
    const pathStyle = opts.forcePathStyle ?? opts.endpoint !== undefined;
    if (pathStyle) this.bucketUrl = `${endpoint}/${encodeURIComponent(opts.bucket)}`;
    else {
      const u = new URL(endpoint);
      this.bucketUrl = `${u.protocol}//${opts.bucket}.${u.host}`;
    }
  }

  private key(jobId: string, name?: string): string {
    assertJobId(jobId);
    return `${this.opts.prefix}${jobId}/${name ?? ''}`;
  }

  private objectUrl(key: string): string {
    return `${this.bucketUrl}/${key.split('/').map(encodeRfc3986).join('/')}`;
  }

  async put(jobId: string, name: string, body: Buffer | string): Promise<void> {
    assertArtifactName(name);
    const res = await this.send(this.objectUrl(this.key(jobId, name)), {
      method: 'PUT',
      body: typeof body === 'string' ? Buffer.from(body) : body,
      headers: { 'content-type': contentTypeFor(name) },
    });
    if (!res.ok) throw await this.failure(`storing ${name} of job ${jobId}`, res);
    await res.arrayBuffer();
  }

  async list(jobId: string): Promise<ArtifactInfo[]> {
    const prefix = this.key(jobId);
    const out: ArtifactInfo[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ 'list-type': '2', prefix });
      if (token) query.set('continuation-token', token);
      const res = await this.send(`${this.bucketUrl}?${query}`, { method: 'GET' });
      if (!res.ok) throw await this.failure(`listing the artifacts of job ${jobId}`, res);
      const xml = await res.text();
      for (const block of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = tag(block[1]!, 'Key');
        const name = key?.slice(prefix.length);
        if (!name || artifactNameProblem(name)) continue;
        out.push({
          name,
          size: Number(tag(block[1]!, 'Size') ?? 0),
          modifiedAt: tag(block[1]!, 'LastModified') ?? '',
          contentType: contentTypeFor(name),
        });
      }
      token = tag(xml, 'IsTruncated') === 'true' ? tag(xml, 'NextContinuationToken') : undefined;
      if (!token) break;
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async open(jobId: string, name: string): Promise<ArtifactBody | undefined> {
    assertArtifactName(name);
    const res = await this.send(this.objectUrl(this.key(jobId, name)), { method: 'GET' });
    if (res.status === 404) {
      await res.arrayBuffer();
      return undefined;
    }
    if (!res.ok || !res.body) throw await this.failure(`reading ${name} of job ${jobId}`, res);
    return {
      stream: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      size: Number(res.headers.get('content-length') ?? 0),
      contentType: contentTypeFor(name),
    };
  }

  async importDir(jobId: string, dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isFile() && !artifactNameProblem(entry.name))
        await this.put(jobId, entry.name, await readFile(join(dir, entry.name)));
    }
    await removeTree(dir);
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.client.fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new ArtifactError(`S3 request to ${this.bucketUrl} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  private async failure(what: string, res: Response): Promise<ArtifactError> {
    const text = await res.text().catch(() => '');
    const code = tag(text, 'Code');
    const message = tag(text, 'Message');
    return new ArtifactError(
      `S3: ${what} in bucket ${this.opts.bucket} failed (HTTP ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}).`,
    );
  }
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? decodeXml(m[1]!) : undefined;
}

function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    return String.fromCodePoint(
      e[1]?.toLowerCase() === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
    );
  });
}

function encodeRfc3986(part: string): string {
  return encodeURIComponent(part).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface GitLabRequest {
  method: string;
  /** The full URL, under the instance's REST root. */
  url: string;
  token: string;
  /** Sent as JSON. */
  body?: unknown;
  signal: AbortSignal;
}

/** The errors a caller raises for a failed call, in its own words. */
export interface GitLabFailures {
  /** No answer came (network, timeout, abort). */
  unreachable(err: Error): Error;
  /** A non-2xx answer; `message` is GitLab's own `message` (or `error`) field, as text. */
  refused(status: number, message: string | undefined): Error;
}

/**
 * One GitLab REST v4 call with `PRIVATE-TOKEN`, JSON both ways: the parsed answer (undefined when it
 * is empty or not JSON). Used by the merge request adapter and by the forge intake.
 */
export async function gitlabRequest(req: GitLabRequest, fail: GitLabFailures): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: {
        'PRIVATE-TOKEN': req.token,
        accept: 'application/json',
        ...(req.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(req.body ? { body: JSON.stringify(req.body) } : {}),
      signal: req.signal,
    });
  } catch (err) {
    throw fail.unreachable(err as Error);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const message =
      (data as { message?: unknown; error?: unknown } | undefined)?.message ??
      (data as { error?: unknown } | undefined)?.error;
    throw fail.refused(
      res.status,
      message === undefined ? undefined : typeof message === 'string' ? message : JSON.stringify(message),
    );
  }
  return data;
}

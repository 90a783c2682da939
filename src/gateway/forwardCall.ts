import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { ModelCallRecord } from '../pipeline/ModelAccess.js';
import { costOf, type PriceTable, priceFor } from '../runner/guards/prices.js';
import type { Upstream } from './GatewayConfig.js';
import type { GatewayMetrics } from './GatewayMetrics.js';
import type { CallTicket, GatewaySession } from './GatewaySession.js';
import { ResponseTap } from './ResponseTap.js';
import { causeOf, readBody, responseHeaders, sendJson, upstreamHeaders } from './relayHttp.js';
import { upstreamCall } from './upstreamCall.js';
import { emptyUsage, isObject, type RefusalReason, type Route, type WireSpec } from './wires/types.js';

export interface CallDeps {
  dispatcher: Dispatcher;
  prices: PriceTable;
  maxBodyBytes: number;
  recordBodies: boolean;
  metrics?: GatewayMetrics;
  logger: Logger;
}

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  session: GatewaySession;
  wire: WireSpec;
  route: Route;
  /** Below the job's wire root, e.g. `/v1/messages`. */
  path: string;
  query: URLSearchParams;
  upstream: Upstream;
}

const MAX_RECORDED_BODY = 8 * 1024 * 1024;

/**
 * One call through the gateway: reads the request (bounded), checks the budgets before anything goes
 * out, swaps the per-job token for the real key, forwards, and streams the answer back chunk by chunk
 * as it arrives (waiting for the agent when it reads slowly), reading usage from the bytes on the way.
 * The agent going away, or the job ending, aborts the upstream request.
 */
export async function forwardCall(call: Call, deps: CallDeps): Promise<void> {
  const { req, res, session, wire, route } = call;
  const started = Date.now();
  const record: ModelCallRecord = {
    n: route.kind === 'billed' ? session.nextCallNumber() : 0,
    wire: wire.name,
    path: call.path,
    model: route.model ?? null,
    stream: route.stream ?? false,
    status: 0,
    billed: route.kind === 'billed',
    inputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costUsd: null,
    startedAt: new Date(started).toISOString(),
    firstByteMs: null,
    latencyMs: 0,
  };
  const refuse = (reason: RefusalReason, message: string, close = false) => {
    const err = wire.error(reason, message);
    sendJson(res, err.status, err.body, close);
    deps.metrics?.refused(wire.name, reason);
    record.status = err.status;
    record.latencyMs = Date.now() - started;
    if (reason === 'budget') return;
    record.refused = reason === 'no_key' ? 'no_key' : 'bad_request';
    record.error = message;
    if (record.billed) finishRecord(session, record, deps);
  };

  const raw = await readBody(req, deps.maxBodyBytes);
  if (raw === 'too_large') {
    refuse('too_large', `Drover: the request body is larger than ${deps.maxBodyBytes} bytes.`, true);
    return;
  }
  let body: Record<string, unknown> | undefined;
  let bytes = raw;
  if (raw.length > 0 && route.kind !== 'probe') {
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (isObject(parsed)) body = parsed;
    } catch {
      // Forwarded as is unless it is a model call, whose model and budget Drover must read.
    }
    if (!body && route.kind === 'billed') {
      refuse('bad_request', 'Drover: the request body is not a JSON object.');
      return;
    }
  }
  const model = route.model ?? (typeof body?.model === 'string' ? body.model : undefined);
  const stream = route.stream ?? body?.stream === true;
  record.model = model ?? null;
  record.stream = stream;
  if (!call.upstream.auth && !call.upstream.custom) {
    refuse('no_key', `Drover: no API key is configured for ${wire.name} on this runner.`);
    return;
  }

  let ticket: CallTicket | undefined;
  const place = body && route.kind === 'billed' ? wire.conversation(body, model) : undefined;
  if (body && route.kind === 'billed') {
    const price = priceFor(deps.prices, model);
    if (!price && model) session.noteUnpriced(model);
    const bound = session.inputLowerBound(place);
    const admission = session.admit({
      inputTokens: bound.tokens,
      freshInputTokens: bound.fresh,
      price,
      requestedOutput: wire.requestedOutputCap(body),
      minOutput: wire.minOutputCap(body),
    });
    if (!admission.ok) {
      refuse('budget', `Drover: ${admission.message}`);
      record.refused = admission.limit;
      record.error = admission.message;
      deps.logger.info({ jobId: session.jobId, limit: admission.limit }, 'model call refused (budget)');
      session.emit({ type: 'budget', call: record, limit: admission.limit, message: admission.message });
      finishRecord(session, record, deps);
      return;
    }
    ticket = admission;
    let changed = false;
    if (admission.cap !== undefined && wire.applyOutputCap(body, admission.cap, model)) {
      record.cappedMaxTokens = admission.cap;
      changed = true;
    }
    if (wire.prepare?.(body, stream)) changed = true;
    if (changed) bytes = Buffer.from(JSON.stringify(body));
  } else if (body && wire.prepare?.(body, stream)) {
    bytes = Buffer.from(JSON.stringify(body));
  }
  if (deps.recordBodies && route.kind === 'billed') record.requestBody = bytes.toString('utf8');
  if (route.kind === 'billed') session.emit({ type: 'call.started', wire: wire.name });

  if (session.closed) {
    // The job ended while the request was read: nothing of it goes out.
    session.settle(ticket, emptyUsage(), null, false);
    const err = wire.error('unauthorized', 'Drover: this job has ended.');
    sendJson(res, err.status, err.body, false);
    return;
  }
  const controller = new AbortController();
  const done = session.track(() => controller.abort());
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.on('close', onClose);
  const tap = new ResponseTap(wire.usageReader(), deps.recordBodies ? MAX_RECORDED_BODY : 0);
  let answered = false;
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  try {
    await upstreamCall(
      deps.dispatcher,
      {
        url: upstreamUrl(call),
        method: req.method ?? 'GET',
        headers: upstreamHeaders(req.headers, call.upstream, bytes.length),
        ...(bytes.length > 0 ? { body: bytes } : {}),
        signal: controller.signal,
      },
      {
        head(status, headers) {
          record.status = status;
          tap.start(headers);
          res.writeHead(status, responseHeaders(headers));
          answered = true;
        },
        data(chunk) {
          if (record.firstByteMs === null) record.firstByteMs = Date.now() - started;
          // Chunks (and the end) that arrive in the same tick leave in one write.
          if (!corked) {
            corked = true;
            res.cork();
            process.nextTick(uncork);
          }
          const ok = res.write(chunk);
          tap.push(chunk);
          return ok;
        },
        // An agent that goes away while the answer waits aborts the call (res 'close' → abort).
        onDrain: (resume) => res.once('drain', resume),
      },
    );
    res.end();
  } catch (err) {
    if (!answered) {
      if (controller.signal.aborted) {
        res.destroy();
      } else {
        const message = `Drover: the ${wire.name} API at ${call.upstream.baseUrl} could not be reached (${causeOf(err)}).`;
        const e = wire.error('bad_request', message);
        sendJson(res, 502, isObject(e.body) ? replaceType(e.body) : e.body, false);
        record.status = 502;
        record.error = message;
      }
    } else {
      // The answer broke off half-way: the agent sees its connection end, as it would have directly.
      if (!controller.signal.aborted) record.error = `the upstream answer broke off (${causeOf(err)})`;
      record.aborted = true;
      res.destroy();
    }
  } finally {
    res.off('close', onClose);
    if (controller.signal.aborted) record.aborted = true;
    await tap.end();
    const usage = tap.usage;
    if (usage.model) record.model = usage.model;
    record.inputTokens = usage.inputTokens;
    record.cachedInputTokens = usage.cachedInputTokens;
    record.cacheWriteTokens = usage.cacheWriteTokens;
    record.outputTokens = usage.outputTokens;
    record.reasoningTokens = usage.reasoningTokens;
    record.latencyMs = Date.now() - started;
    if (deps.recordBodies && route.kind === 'billed') record.responseBody = tap.body();
    const price = priceFor(deps.prices, usage.model) ?? priceFor(deps.prices, model);
    if (route.kind === 'billed') {
      if (usage.model && !price) session.noteUnpriced(usage.model);
      record.costUsd = price ? costOf(price, usage) : null;
      const answeredOk = record.status >= 200 && record.status < 300;
      session.settle(ticket, usage, record.costUsd, answeredOk);
      if (answeredOk && !record.aborted) session.remember(place, usage);
      finishRecord(session, record, deps);
    }
    done();
  }
}

function upstreamUrl(call: Call): string {
  const suffix = call.wire.name === 'openai' ? '/v1' : '';
  const rest = call.path.startsWith(suffix) ? call.path.slice(suffix.length) : call.path;
  const query = new URLSearchParams(call.query);
  for (const p of call.wire.credentialParams) query.delete(p);
  const qs = query.toString();
  return `${call.upstream.baseUrl}${rest}${qs ? `?${qs}` : ''}`;
}

function finishRecord(session: GatewaySession, record: ModelCallRecord, deps: CallDeps): void {
  deps.metrics?.call(record);
  session.emit({ type: 'call', call: record });
}

/** An unreachable upstream is a server error (the CLIs retry those), not the caller's fault. */
function replaceType(body: Record<string, unknown>): Record<string, unknown> {
  const error = isObject(body.error) ? { ...body.error } : undefined;
  if (!error) return body;
  if (error.type === 'invalid_request_error') error.type = 'api_error';
  if (error.status === 'INVALID_ARGUMENT') error.status = 'UNAVAILABLE';
  if (typeof error.code === 'number') error.code = 502;
  return { ...body, error };
}

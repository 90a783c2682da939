import { LuaScript } from './LuaScript.js';

// Every status change runs in one of these scripts, so a job's hash, the status index sets and the
// stream's pending list always change together. Job scripts share ARGV[1] = key prefix and
// ARGV[2] = job id; the per-status sets are derived from the prefix (a single Redis, not a cluster).
// Times that decide leases come from the Redis server (TIME), so clocks of workers never matter.
const COMMON = `
local P, JOB = ARGV[1], ARGV[2]
local function isTerminal(s)
  return s == 'succeeded' or s == 'failed' or s == 'timed_out' or s == 'cancelled' or s == 'needs_human'
end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(v) return string.format('%d', v) end
local function setStatus(hash, from, to)
  if from and from ~= '' then redis.call('ZREM', P .. 'jobs:status:' .. from, JOB) end
  redis.call('ZADD', P .. 'jobs:status:' .. to, 0, JOB)
  redis.call('ZADD', P .. 'jobs:index', 0, JOB)
  redis.call('HSET', hash, 'status', to)
end
-- Appends system lines after the last stored seq (stream ids are <seq>-0).
local function systemLines(out, maxlen, iso, lines)
  local last = redis.call('XREVRANGE', out, '+', '-', 'COUNT', 1)
  local seq = 0
  if #last > 0 then seq = tonumber(string.match(last[1][1], '^(%d+)-')) or 0 end
  for _, l in ipairs(lines) do
    seq = seq + 1
    local args = {'XADD', out, 'MAXLEN', maxlen, num(seq) .. '-0', 'seq', num(seq), 'ts', iso,
      'stream', 'system', 'line', l[2], 'type', l[1]}
    if l[3] then table.insert(args, 'data'); table.insert(args, l[3]) end
    redis.pcall(unpack(args))
  end
end
local function failJob(hash, out, maxlen, from, iso, kind, message)
  if redis.call('HEXISTS', hash, 'createdAt') == 0 then redis.call('HSET', hash, 'createdAt', iso) end
  redis.call('HSET', hash, 'id', JOB, 'errorKind', kind, 'errorMessage', message, 'finishedAt', iso)
  redis.call('HDEL', hash, 'leaseUntil', 'leaseToken', 'phase')
  setStatus(hash, from, 'failed')
  systemLines(out, maxlen, iso, {
    {'status', 'Job failed: ' .. message, cjson.encode({status = 'failed', errorKind = kind})},
    {'end', 'end of output', false}})
end
local function setPairs(hash, first)
  for i = first, #ARGV, 2 do
    if ARGV[i + 1] == '' then redis.call('HDEL', hash, ARGV[i]) else redis.call('HSET', hash, ARGV[i], ARGV[i + 1]) end
  end
end
`;

const script = (name: string, body: string) => new LuaScript(name, `${COMMON}\n${body}`);

/** KEYS: hash, stream. ARGV: P, id, payload, createdAt, then field/value pairs. Returns the entry id. */
export const ENQUEUE = script(
  'enqueue',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS job ' .. JOB .. ' already exists') end
redis.call('HSET', KEYS[1], 'id', JOB, 'payload', ARGV[3], 'createdAt', ARGV[4], 'attempts', '0', 'cancelRequested', '0')
setPairs(KEYS[1], 5)
setStatus(KEYS[1], '', 'queued')
local entry = redis.call('XADD', KEYS[2], '*', 'id', JOB, 'payload', ARGV[3])
redis.call('HSET', KEYS[1], 'entryId', entry)
return entry
`,
);

/**
 * Decides what a delivered entry means and, when it is runnable, starts the job.
 * KEYS: stream, hash, dead, output. ARGV: P, id, group, entryId, runnerId, cap, leaseMs, iso, token,
 * rejectMessage, payload, maxlen, entryFields(json), repo, baseRef, branch, agent.
 * Returns {'started', hgetall} | {'busy'} | {'duplicate'} | {'abandoned', msg} | {'rejected', msg}.
 */
export const BEGIN = script(
  'begin',
  `
local stream, hash, dead, out = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local group, entryId, runnerId, cap = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local leaseMs, iso, token, reject = tonumber(ARGV[7]), ARGV[8], ARGV[9], ARGV[10]
local function done()
  redis.call('XACK', stream, group, entryId)
  redis.call('XDEL', stream, entryId)
end
local status = redis.call('HGET', hash, 'status') or ''
if isTerminal(status) then done(); return {'duplicate'} end
local now = nowMs()
if status == 'running' then
  local lease = tonumber(redis.call('HGET', hash, 'leaseUntil') or '0') or 0
  if lease > now then
    -- A live runner owns the job: its own entry stays pending for it; a second entry is a duplicate.
    if (redis.call('HGET', hash, 'entryId') or '') == entryId then return {'busy'} end
    done(); return {'duplicate'}
  end
elseif status ~= '' and status ~= 'queued' and status ~= 'pending' then
  reject = 'status: ' .. hash .. ' has status "' .. status .. '"; a job to run must be "queued" (or have none)'
end
local pending = redis.call('XPENDING', stream, group, entryId, entryId, 1)
local deliveries = 1
if pending[1] then deliveries = tonumber(pending[1][4]) end
local function deadLetter(reason)
  redis.call('XADD', dead, 'MAXLEN', '~', 10000, '*', 'id', JOB, 'entryId', entryId, 'reason', reason,
    'fields', ARGV[13])
  done()
end
if deliveries > cap then
  local msg = 'The job was abandoned: it was delivered ' .. deliveries .. ' times and no runner finished it.'
  failJob(hash, out, ARGV[12], status, iso, 'abandoned', msg)
  deadLetter(msg)
  return {'abandoned', msg}
end
if reject ~= '' then
  failJob(hash, out, ARGV[12], status, iso, 'invalid_input', reject)
  deadLetter(reject)
  return {'rejected', reject}
end
if ARGV[11] ~= '' and redis.call('HEXISTS', hash, 'payload') == 0 then redis.call('HSET', hash, 'payload', ARGV[11]) end
local fill = {'repo', 'baseRef', 'branch', 'agent'}
for i, f in ipairs(fill) do
  local v = ARGV[13 + i]
  if v ~= '' and redis.call('HEXISTS', hash, f) == 0 then redis.call('HSET', hash, f, v) end
end
for _, f in ipairs({'createdAt', 'startedAt'}) do
  if redis.call('HEXISTS', hash, f) == 0 then redis.call('HSET', hash, f, iso) end
end
if redis.call('HEXISTS', hash, 'cancelRequested') == 0 then redis.call('HSET', hash, 'cancelRequested', '0') end
redis.call('HINCRBY', hash, 'attempts', 1)
redis.call('HSET', hash, 'id', JOB, 'runnerId', runnerId, 'leaseUntil', num(now + leaseMs), 'leaseToken', token,
  'entryId', entryId, 'phase', 'claimed')
redis.call('HDEL', hash, 'errorKind', 'errorMessage', 'finishToken')
setStatus(hash, status, 'running')
return {'started', redis.call('HGETALL', hash)}
`,
);

/**
 * drover run: creates a job already running under the caller's lease, in one step. No stream entry is
 * written, so no worker can read it; if the caller dies, REAP re-queues the job once its lease lapsed.
 * KEYS: hash. ARGV: P, id, payload, iso, runnerId, leaseMs, token, then field/value pairs.
 * Returns the hash (HGETALL).
 */
export const ENQUEUE_CLAIMED = script(
  'enqueueClaimed',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS job ' .. JOB .. ' already exists') end
redis.call('HSET', KEYS[1], 'id', JOB, 'payload', ARGV[3], 'createdAt', ARGV[4], 'startedAt', ARGV[4],
  'attempts', '1', 'cancelRequested', '0', 'runnerId', ARGV[5], 'leaseUntil', num(nowMs() + tonumber(ARGV[6])),
  'leaseToken', ARGV[7], 'entryId', '', 'phase', 'claimed')
setPairs(KEYS[1], 8)
setStatus(KEYS[1], '', 'running')
return redis.call('HGETALL', KEYS[1])
`,
);

/** KEYS: hash, stream. ARGV: P, id, group, runnerId, token, leaseMs, entryId. Returns {owned, cancel}. */
export const HEARTBEAT = script(
  'heartbeat',
  `
local hash = KEYS[1]
if redis.call('HGET', hash, 'status') ~= 'running' or redis.call('HGET', hash, 'leaseToken') ~= ARGV[5] then
  return {0, 0}
end
redis.call('HSET', hash, 'leaseUntil', num(nowMs() + tonumber(ARGV[6])))
-- Resets the entry's idle time so no other worker's XAUTOCLAIM takes a job that is still running.
if ARGV[7] ~= '' then redis.call('XCLAIM', KEYS[2], ARGV[3], ARGV[4], 0, ARGV[7], 'JUSTID') end
local cancel = 0
if redis.call('HGET', hash, 'cancelRequested') == '1' then cancel = 1 end
return {1, cancel}
`,
);

/**
 * Writes the terminal status once, then acks and deletes the entry.
 * KEYS: hash, stream. ARGV: P, id, group, token, entryId, status, finishedAt, field/value pairs ('' clears).
 * Returns 1 when this lease wrote it (also on a retry after a lost reply), 0 when it was not ours to write.
 */
export const FINISH = script(
  'finish',
  `
local hash = KEYS[1]
local status = redis.call('HGET', hash, 'status') or ''
if isTerminal(status) then
  if redis.call('HGET', hash, 'finishToken') == ARGV[4] then return 1 end
  return 0
end
if status ~= 'running' or redis.call('HGET', hash, 'leaseToken') ~= ARGV[4] then return 0 end
setPairs(hash, 8)
redis.call('HSET', hash, 'finishedAt', ARGV[7], 'finishToken', ARGV[4])
redis.call('HDEL', hash, 'leaseUntil', 'leaseToken', 'phase')
setStatus(hash, status, ARGV[6])
if ARGV[5] ~= '' then
  redis.call('XACK', KEYS[2], ARGV[3], ARGV[5])
  redis.call('XDEL', KEYS[2], ARGV[5])
end
return 1
`,
);

/**
 * Graceful shutdown: the job goes back to the queue as a fresh entry (delivery count 1, so a drain never
 * counts towards abandonment) and the old entry is acked. KEYS: hash, stream. ARGV: P, id, group, token,
 * entryId, reason.
 */
export const RELEASE = script(
  'release',
  `
local hash = KEYS[1]
if redis.call('HGET', hash, 'status') ~= 'running' or redis.call('HGET', hash, 'leaseToken') ~= ARGV[4] then
  return 0
end
redis.call('HSET', hash, 'errorMessage', ARGV[6])
redis.call('HDEL', hash, 'runnerId', 'leaseUntil', 'leaseToken', 'phase')
setStatus(hash, 'running', 'queued')
redis.call('HSET', hash, 'entryId', redis.call('XADD', KEYS[2], '*', 'id', JOB))
if ARGV[5] ~= '' then
  redis.call('XACK', KEYS[2], ARGV[3], ARGV[5])
  redis.call('XDEL', KEYS[2], ARGV[5])
end
return 1
`,
);

/**
 * A running job whose lease lapsed and whose entry is pending nowhere (drover run died, entry trimmed):
 * re-queued, or failed/abandoned after cap attempts. KEYS: hash, stream, output.
 * ARGV: P, id, group, cap, graceMs, iso, maxlen. Returns 0 (left alone), 1 (re-queued), 2 (abandoned).
 */
export const REAP = script(
  'reap',
  `
local hash = KEYS[1]
if redis.call('HGET', hash, 'status') ~= 'running' then return 0 end
local lease = tonumber(redis.call('HGET', hash, 'leaseUntil') or '0') or 0
if lease + tonumber(ARGV[5]) > nowMs() then return 0 end
local entry = redis.call('HGET', hash, 'entryId') or ''
if entry ~= '' and redis.call('XPENDING', KEYS[2], ARGV[3], entry, entry, 1)[1] then return 0 end
local attempts = tonumber(redis.call('HGET', hash, 'attempts') or '0') or 0
if attempts >= tonumber(ARGV[4]) then
  failJob(hash, KEYS[3], ARGV[7], 'running', ARGV[6], 'abandoned',
    'The job was abandoned: its runner stopped responding ' .. attempts .. ' times.')
  return 2
end
redis.call('HSET', hash, 'errorMessage', 'The runner of attempt ' .. attempts .. ' stopped responding; re-queued.')
redis.call('HDEL', hash, 'runnerId', 'leaseUntil', 'leaseToken', 'phase')
setStatus(hash, 'running', 'queued')
redis.call('HSET', hash, 'entryId', redis.call('XADD', KEYS[2], '*', 'id', JOB))
return 1
`,
);

/** KEYS: hash. ARGV: P, id, iso. Returns 0 when the job is unknown. */
export const CANCEL = script(
  'cancel',
  `
local hash = KEYS[1]
if redis.call('EXISTS', hash) == 0 then return 0 end
local status = redis.call('HGET', hash, 'status') or ''
if status == '' or status == 'queued' or status == 'pending' then
  redis.call('HSET', hash, 'id', JOB, 'cancelRequested', '1', 'errorKind', 'cancelled',
    'errorMessage', 'The job was cancelled before it started.', 'finishedAt', ARGV[3])
  setStatus(hash, status, 'cancelled')
elseif status == 'running' then
  redis.call('HSET', hash, 'cancelRequested', '1')
end
return 1
`,
);

/** Progress fields; `phase` only while running (a late buffered write must not touch a finished job). */
export const UPDATE = script(
  'update',
  `
local hash = KEYS[1]
if redis.call('EXISTS', hash) == 0 then return 0 end
local running = redis.call('HGET', hash, 'status') == 'running'
for i = 3, #ARGV, 2 do
  if ARGV[i] ~= 'phase' or running then
    if ARGV[i + 1] == '' then redis.call('HDEL', hash, ARGV[i]) else redis.call('HSET', hash, ARGV[i], ARGV[i + 1]) end
  end
end
return 1
`,
);

/**
 * Output entries, stream id <seq>-0: re-sending a batch after a lost reply (or a second writer) cannot
 * duplicate lines, because Redis refuses ids at or below the stream's top. With a lease token, the
 * batch is written only while that attempt still owns the running job: a runner whose job was taken
 * over (its lease lapsed during an outage) cannot interleave its late lines with the new attempt's.
 * The stream is trimmed to maxlen (exactly) once per call rather than on every XADD.
 * KEYS: output, hash. ARGV: maxlen, token ('' = unfenced), then a JSON array of
 * [seq, ts, stream, line, type, data] string rows (type and data '' = none). Returns the entries
 * added, or -1 when fenced off.
 */
export const APPEND_OUTPUT = new LuaScript(
  'appendOutput',
  `
if ARGV[2] ~= '' and (redis.call('HGET', KEYS[2], 'status') ~= 'running'
    or redis.call('HGET', KEYS[2], 'leaseToken') ~= ARGV[2]) then
  return -1
end
local key = KEYS[1]
local added = 0
for _, e in ipairs(cjson.decode(ARGV[3])) do
  local id = e[1] .. '-0'
  local r
  if e[5] == '' and e[6] == '' then
    r = redis.pcall('XADD', key, id, 'seq', e[1], 'ts', e[2], 'stream', e[3], 'line', e[4])
  elseif e[6] == '' then
    r = redis.pcall('XADD', key, id, 'seq', e[1], 'ts', e[2], 'stream', e[3], 'line', e[4], 'type', e[5])
  elseif e[5] == '' then
    r = redis.pcall('XADD', key, id, 'seq', e[1], 'ts', e[2], 'stream', e[3], 'line', e[4], 'data', e[6])
  else
    r = redis.pcall('XADD', key, id, 'seq', e[1], 'ts', e[2], 'stream', e[3], 'line', e[4], 'type', e[5],
      'data', e[6])
  end
  if type(r) == 'table' and r.err then
    if not string.find(r.err, 'equal or smaller', 1, true) then
      if added > 0 then redis.call('XTRIM', key, 'MAXLEN', ARGV[1]) end
      return redis.error_reply(r.err)
    end
  else
    added = added + 1
  end
end
if added > 0 then redis.call('XTRIM', key, 'MAXLEN', ARGV[1]) end
return added
`,
);

/**
 * Removes a consumer from the group only when it holds no pending entries (deleting a consumer drops
 * its pending list). KEYS: stream. ARGV: group, consumer, minIdleMs ('0' = any).
 */
export const FORGET_CONSUMER = new LuaScript(
  'forgetConsumer',
  `
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if not ok then return 0 end
local removed = 0
for _, c in ipairs(consumers) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  local match = (ARGV[2] ~= '' and info['name'] == ARGV[2]) or (ARGV[2] == '' and tonumber(info['idle']) > tonumber(ARGV[3]))
  if match and tonumber(info['pending']) == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed
`,
);

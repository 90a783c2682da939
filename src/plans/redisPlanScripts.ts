import { LuaScript } from '../store/redis/LuaScript.js';

/**
 * Compare-and-set of a plan document with its changed runs and new events, in one script.
 * KEYS: plan hash, runs hash, events stream, index. ARGV: expected version, doc, now, name, run count,
 * then jobId/json pairs, then 5 values per event: seq, ts, type, task ('' = none), data.
 * Returns the new version, or 0 on a conflict.
 */
export const SAVE_PLAN = new LuaScript(
  'savePlan',
  `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0') or 0
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'version', current + 1, 'updatedAt', ARGV[3])
if current == 0 then redis.call('HSET', KEYS[1], 'createdAt', ARGV[3]) end
redis.call('ZADD', KEYS[4], 0, ARGV[4])
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i + 4 <= #ARGV do
  local args = {'XADD', KEYS[3], ARGV[i] .. '-0', 'seq', ARGV[i], 'ts', ARGV[i + 1], 'type', ARGV[i + 2], 'data', ARGV[i + 4]}
  if ARGV[i + 3] ~= '' then table.insert(args, 'task'); table.insert(args, ARGV[i + 3]) end
  redis.pcall(unpack(args))
  i = i + 5
end
return current + 1
`,
);

/** Takes or renews a lease held by ARGV[1]. KEYS: lease. ARGV: holder id, holder JSON, ttl ms. */
export const TAKE_LEASE = new LuaScript(
  'takePlanLease',
  `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, info = pcall(cjson.decode, current)
  if ok and type(info) == 'table' and info.holder ~= ARGV[1] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`,
);

/** Drops the lease when ARGV[1] holds it. KEYS: lease. */
export const DROP_LEASE = new LuaScript(
  'dropPlanLease',
  `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, info = pcall(cjson.decode, current)
if ok and type(info) == 'table' and info.holder == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

-- Shared part of every scenario; bench/wrk.py prepends it to the scenario's own script.
--
-- Each wrk thread has its own Lua state: it counts responses by status, may collect tokens from
-- response bodies ("harvest"), and done() (run once, in the main state) merges every thread's
-- counts and prints one line `BENCH_JSON {...}` that bench/wrk.py parses.
--
-- Arguments come after `--` on the wrk command line as key=value pairs; every script receives
--   threads=<wrk threads>  and whatever its scenario needs.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

statuses = {}
harvested = {}
harvest_path = ""
starved = 0
args = {}

function parse_args(list)
   local parsed = {}
   for _, item in ipairs(list or {}) do
      local key, value = string.match(item, "^([^=]+)=(.*)$")
      if key then parsed[key] = value end
   end
   return parsed
end

function read_lines(path)
   local lines = {}
   local handle = assert(io.open(path, "r"))
   for line in handle:lines() do
      if line ~= "" then table.insert(lines, line) end
   end
   handle:close()
   return lines
end

-- The lines of `path` that belong to this thread: line i goes to thread (i - 1) % threads.
function my_share(path)
   local share = {}
   local n = tonumber(args.threads)
   for i, line in ipairs(read_lines(path)) do
      if (i - 1) % n == id then table.insert(share, line) end
   end
   return share
end

function init(list)
   args = parse_args(list)
   harvest_path = args.harvest or ""
   if scenario_init then scenario_init(args) end
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   if status == 200 and harvest_path ~= "" and #harvested < 20000 then
      local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
      if token then table.insert(harvested, token) end
   end
   if scenario_response then scenario_response(status, headers, body) end
end

local function json_number(value)
   if value ~= value or value == math.huge or value == -math.huge then return "null" end
   return string.format("%.17g", value)
end

function done(summary, latency, requests)
   local merged = {}
   local total_starved = 0
   local path = ""
   local tokens = {}
   for _, thread in ipairs(threads) do
      for key, count in pairs(thread:get("statuses") or {}) do
         merged[key] = (merged[key] or 0) + count
      end
      total_starved = total_starved + (thread:get("starved") or 0)
      local thread_path = thread:get("harvest_path")
      if thread_path and thread_path ~= "" then path = thread_path end
      for _, token in ipairs(thread:get("harvested") or {}) do table.insert(tokens, token) end
   end
   if path ~= "" then
      local handle = assert(io.open(path, "w"))
      for _, token in ipairs(tokens) do handle:write(token, "\n") end
      handle:close()
   end
   local parts = {}
   for key, count in pairs(merged) do
      table.insert(parts, string.format('"%s": %d', key, count))
   end
   local percentiles = {}
   for _, p in ipairs({50, 75, 90, 99, 99.9}) do
      table.insert(percentiles, string.format('"%s": %s', tostring(p), json_number(latency:percentile(p))))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"duration_us": %d, "requests": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"statuses": {%s}, "latency_us": {"min": %s, "mean": %s, "max": %s, "stdev": %s, '
      .. '"percentiles": {%s}}, "starved": %d, "harvested": %d}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      table.concat(parts, ", "),
      json_number(latency.min), json_number(latency.mean), json_number(latency.max),
      json_number(latency.stdev), table.concat(percentiles, ", "), total_starved, #tokens))
end

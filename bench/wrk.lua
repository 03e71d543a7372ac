-- wrk script for kedb: GET /api/v1/search for every query of the mix, in turn.
--   wrk -t2 -c32 -d20s --latency -s bench/wrk.lua http://127.0.0.1:PORT -- bench/queries.txt
-- The query file has lines 'class<TAB>query' ('#' starts a comment). Each thread starts at a
-- different place in the mix and cycles through it. done() prints one 'WRK key=value ...' line
-- for bench/run.sh.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

local paths = {}
local i = 0

local auth = nil

function init(args)
   -- args[2]: a bearer token (the API needs a login since accounts arrived)
   if args[2] and args[2] ~= "" then auth = "Bearer " .. args[2] end
   local file = args[1] or "bench/queries.txt"
   local f = assert(io.open(file, "r"))
   for line in f:lines() do
      local q = line:match("^[^#][^\t]*\t(.+)$")
      if q then
         q = q:gsub("\r$", "")
         table.insert(paths, "/api/v1/search?q=" .. urlencode(q))
      end
   end
   f:close()
   assert(#paths > 0, "no queries in " .. file)
   -- spread the threads over the mix
   i = math.floor((tid or 0) * #paths / 7) % #paths
end

function request()
   i = i % #paths + 1
   if auth then
      return wrk.format("GET", paths[i], { ["Authorization"] = auth })
   end
   return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "WRK requests=%d duration_s=%.2f rps=%.1f lat_mean_ms=%.3f lat_p50_ms=%.3f " ..
      "lat_p90_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f non2xx=%d connect_err=%d " ..
      "read_err=%d write_err=%d timeouts=%d\n",
      summary.requests, secs, summary.requests / secs, latency.mean / 1000,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, e.status, e.connect, e.read,
      e.write, e.timeout))
end

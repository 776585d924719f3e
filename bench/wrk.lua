-- wrk script for bench/run.py: cycles through the request paths in a file (one per line), counts the
-- responses by status class and by X-Page-Cache (hit / miss / none), and prints one "BENCH {json}" line.
-- Usage: wrk -t2 -c16 -d10s --latency -s bench/wrk.lua http://127.0.0.1:PORT -- PATHS_FILE THREADS [beacon]
-- With "beacon", each request is the article page's view beacon instead: a bodiless POST with a User-Agent of
-- its own, so that every request is a different reader (not a repeat, not rate limited) and counts.
-- Each thread starts at its own share of the list, so the first pass over the list asks for every path once.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  local thread_count = tonumber(args[2]) or 1
  position = math.floor(id * #paths / thread_count)
  beacon = args[3] == "beacon"
  sent = 0
  hits, misses, uncached = 0, 0, 0
  s2, s3, s4, s5 = 0, 0, 0, 0
end

function request()
  position = position % #paths + 1
  if beacon then
    sent = sent + 1
    local agent = string.format("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 reader/%d.%d", id, sent)
    return wrk.format("POST", paths[position], { ["User-Agent"] = agent, ["Content-Length"] = "0" })
  end
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  local cache = headers["X-Page-Cache"] or headers["x-page-cache"]
  if cache == "hit" then
    hits = hits + 1
  elseif cache == "miss" then
    misses = misses + 1
  else
    uncached = uncached + 1
  end
  if status < 300 then
    s2 = s2 + 1
  elseif status < 400 then
    s3 = s3 + 1
  elseif status < 500 then
    s4 = s4 + 1
  else
    s5 = s5 + 1
  end
end

function done(summary, latency, requests)
  local totals = { hits = 0, misses = 0, uncached = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, '
      .. '"cache": {"hit": %d, "miss": %d, "none": %d}, '
      .. '"status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    totals.hits, totals.misses, totals.uncached,
    totals.s2, totals.s3, totals.s4, totals.s5
  ))
end

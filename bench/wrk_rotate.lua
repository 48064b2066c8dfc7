-- wrk script for the ror benchmark: POST a rotating set of JSON bodies (one per line of the
-- file given after "--") to the path given second, with the bearer token given third (if any);
-- print a JSON summary line at the end. Usage:
-- wrk -t1 -c4 -d30s -s wrk_rotate.lua http://127.0.0.1:8000 -- bodies.ndjson /v1/referrals/search TOKEN

local bodies = {}
local path = "/"
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  path = args[2] or path
  if args[3] and #args[3] > 0 then
    headers["Authorization"] = "Bearer " .. args[3]
  end
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, headers, bodies[(counter % #bodies) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end

-- wrk script for tools/serve-loadtest: POSTs predict bodies (ROWS latent vectors of Z_DIM each,
-- from a fixed seed) in rotation, and prints one RESULT line when the run is done.
local rows = tonumber(os.getenv("ROWS") or "1")
local zdim = tonumber(os.getenv("Z_DIM") or "2")
local bodies = {}
local n = 0

function init(args)
  math.randomseed(42)
  for b = 1, 64 do
    local inst = {}
    for r = 1, rows do
      local z = {}
      for d = 1, zdim do
        z[d] = string.format("%.6f", (math.random() * 2 - 1) * 2)
      end
      inst[r] = "[" .. table.concat(z, ", ") .. "]"
    end
    bodies[b] = '{"instances": [' .. table.concat(inst, ", ") .. ']}'
  end
end

function request()
  n = n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(n % #bodies) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors, e.status))
end

-- GET /recommend?count=10 for a user drawn uniformly from user-000000 .. user-<users*(1+unknown)-1>: the first <users>
-- have a behaviour history (bench/feedback/setup.py), the rest are unknown (cold start). Counts status codes.
-- Args: key users unknown-share
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  key = args[1]
  span = math.floor(tonumber(args[2]) * (1 + tonumber(args[3])))
  headers = { ["X-Api-Key"] = key }
  math.randomseed(4242 + id)
  statuses = {}
end

function request()
  return wrk.format("GET", string.format("/recommend?userId=user-%06d&count=10", math.random(0, span - 1)), headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests_)
  local codes = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do codes[code] = (codes[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, code .. ": " .. n) end
  table.sort(parts)
  io.write(string.format("recommend statuses {%s}\n", table.concat(parts, ", ")))
end

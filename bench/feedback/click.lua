-- POSTs /feedback/click, each thread walking its own share of the pre-generated bodies (one JSON body a line), so
-- every click quotes a real recommendation and item once. Reports repeats if the bodies run out.
-- Args: key bodies
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local key, path = args[1], args[2]
  local nthreads = tonumber(args[3])
  local headers = { ["X-Api-Key"] = key, ["Content-Type"] = "application/json" }
  requests = {}
  local line = 0
  for body in io.lines(path) do
    if line % nthreads == id - 1 then
      table.insert(requests, wrk.format("POST", "/feedback/click", headers, body))
    end
    line = line + 1
  end
  next_index = 1
  wrapped = 0
  statuses = {}
end

function request()
  if next_index > #requests then
    next_index = 1
    wrapped = wrapped + 1
  end
  local r = requests[next_index]
  next_index = next_index + 1
  return r
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests_)
  local wraps, codes = 0, {}
  for _, t in ipairs(threads) do
    wraps = wraps + t:get("wrapped")
    for code, n in pairs(t:get("statuses")) do codes[code] = (codes[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, code .. ": " .. n) end
  table.sort(parts)
  io.write(string.format("click statuses {%s}; bodies reused after running out: %d times\n", table.concat(parts, ", "), wraps))
end

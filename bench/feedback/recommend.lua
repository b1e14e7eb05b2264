-- Issues GET /recommend for users drawn from the given range (a fifth beyond the history's users: cold start) and
-- writes each answer's (recommendationId, itemId) pairs to <out>.<thread>, one JSON click body a line. A thread stops
-- once it has written its share of <target> bodies (or when wrk's duration ends).
-- Args: key out users count target threads
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  key, out, users, count = args[1], args[2], tonumber(args[3]), args[4]
  quota = math.ceil(tonumber(args[5]) / tonumber(args[6]))
  file = io.open(out .. "." .. id, "w")
  math.randomseed(1000 + id)
  written = 0
end

function request()
  local user = math.random(0, math.floor(users * 1.25) - 1)
  return wrk.format("GET", string.format("/recommend?userId=user-%06d&count=%s", user, count), { ["X-Api-Key"] = key })
end

function response(status, headers, body)
  if status ~= 200 then return end
  local rec = body:match('"recommendationId"%s*:%s*"([^"]+)"')
  if not rec then return end
  for item in body:gmatch('"itemId"%s*:%s*"([^"]+)"') do
    file:write(string.format('{"recommendationId":"%s","itemId":"%s"}\n', rec, item))
    written = written + 1
  end
  file:flush()
  if written >= quota then
    wrk.thread:stop()
  end
end

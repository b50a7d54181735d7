-- wrk script for bench/heartbeat.py: every connection cycles through its thread's share of
-- the viewers (one session cookie and lesson each) and posts the next 5 s of that viewer's
-- lesson, as the player does (JSON + X-CSRFToken). Arguments after `--`:
--   <viewers file: "cookie<TAB>lesson id" lines> <mode: heartbeat|bare> <first position, s>
-- Prints "WRK {json}" with requests, duration, errors (anything but 200) and percentiles.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local viewers, positions, i, mode, csrf = {}, {}, 0, "heartbeat", "b" .. string.rep("b", 31)
local non200 = 0

function init(args)
  local n = 0
  mode = args[2]
  local start = tonumber(args[3])
  for line in io.lines(args[1]) do
    if n % counter_total() == tid then
      local cookie, lesson = line:match("^(.-)\t(%d+)$")
      table.insert(viewers, {cookie = cookie, lesson = lesson})
      table.insert(positions, start)
    end
    n = n + 1
  end
end

function counter_total()
  return tonumber(os.getenv("WRK_THREADS") or "2")
end

function request()
  i = i % #viewers + 1
  local v = viewers[i]
  local p = positions[i]
  positions[i] = p + 5
  local path, body
  if mode == "bare" then
    path = "/bench/bare/" .. v.lesson .. "/"
    body = "{}"
  else
    path = "/api/v1/lessons/" .. v.lesson .. "/heartbeat/"
    body = string.format('{"intervals": [[%d, %d]], "position": %d}', p, p + 5, p + 5)
  end
  return wrk.format("POST", path, {
    ["Cookie"] = v.cookie .. "; csrftoken=" .. csrf,
    ["X-CSRFToken"] = csrf,
    ["Content-Type"] = "application/json",
    ["Host"] = "127.0.0.1",
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout
  local non = 0
  for _, t in ipairs(threads) do
    non = non + (t:get("non200") or 0)
  end
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, failed + non, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end

-- wrk script: POST /api/v1/me/work-session/activity, each request with the next bearer token of a file (one a line),
-- so the heartbeats spread over many agents as they do in production (each agent has its own rate limit and grain).
-- Usage: wrk -t2 -c64 -d10s -s bench/http/heartbeat.lua http://127.0.0.1:PORT -- TOKENS_FILE
local tokens = {}
local next_token = 1

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  -- Threads start at different places in the list.
  next_token = (math.random(#tokens) % #tokens) + 1
end

function request()
  next_token = next_token % #tokens + 1
  return wrk.format("POST", "/api/v1/me/work-session/activity",
    { ["Authorization"] = "Bearer " .. tokens[next_token], ["Content-Length"] = "0" }, nil)
end

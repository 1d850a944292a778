-- wrk script: POST /api/v1/me/work-session/activity, each request with the next bearer token of a file (one a line),
-- so the heartbeats spread over many agents as they do in production (each agent has its own rate limit and grain).
-- The requests are formatted once, in init: wrk shares the machine's cores with the server, and formatting a request
-- in Lua each time cost wrk about 7 µs of CPU a request that the bare baselines (no script) do not pay.
-- Usage: wrk -t2 -c64 -d10s -s bench/http/heartbeat.lua http://127.0.0.1:PORT -- TOKENS_FILE
local requests = {}
local next_request = 1

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", "/api/v1/me/work-session/activity",
        { ["Authorization"] = "Bearer " .. line, ["Content-Length"] = "0" }, nil)
    end
  end
  -- Threads start at different places in the list.
  next_request = (math.random(#requests) % #requests) + 1
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

-- wrk script: GET the URL's path with one bearer token (the first line of a file), to price token validation alone.
-- Usage: wrk -t2 -c64 -d10s -s bench/http/bearer.lua http://127.0.0.1:PORT/health/live -- TOKENS_FILE
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      wrk.headers["Authorization"] = "Bearer " .. line
      return
    end
  end
end

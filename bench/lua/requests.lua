-- One wrk script for every endpoint: each request picks a random line of
-- $BENCH_PATHS (a file of request paths the runner generated: random ids, keywords,
-- pages, cursors). With $BENCH_METHOD=POST it sends a new recipe as JSON, its label
-- random, signed in with $BENCH_TOKEN.
local paths = {}
local method = os.getenv("BENCH_METHOD") or "GET"
local token = os.getenv("BENCH_TOKEN")

for line in io.lines(os.getenv("BENCH_PATHS")) do
  paths[#paths + 1] = line
end
math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1"))

local words = {"Roasted", "Garlic", "Lemon", "Chicken", "Pie", "Soup", "Bread", "Curry"}
local headers = {["Content-Type"] = "application/json"}
if token then
  headers["Authorization"] = "Bearer " .. token
end

request = function()
  local path = paths[math.random(#paths)]
  if method ~= "POST" then
    return wrk.format("GET", path)
  end
  local label = words[math.random(#words)] .. " " .. words[math.random(#words)]
    .. " " .. math.random(1, 1000000)
  local body = '{"label": "' .. label .. '", "source": "Bench Kitchen", '
    .. '"url": "https://example.com/bench/' .. math.random(1, 1000000000) .. '"}'
  return wrk.format("POST", path, headers, body)
end

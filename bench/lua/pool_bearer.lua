-- GET <path> with the access tokens of a pool as bearer tokens, round robin (a token is reused
-- only after every other one, as many partners calling at once would).
-- Arguments: path, pool file (one access token a line).
local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local path, pool
local count = 0

function init(args)
  path = args[1]
  pool = read_lines(args[2])
  count = #pool
  assert(count > 0, "empty token pool")
end

function request()
  used = used + 1
  local token = pool[(used - 1) % count + 1]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

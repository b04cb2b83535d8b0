-- POST a form carrying the next unused value of a pool (codes, refresh tokens): each value is sent
-- once. When the pool runs out the thread stops and reports `exhausted` (the run is then invalid).
-- Arguments: path, pool file (one value a line), form body template with a {token} placeholder.
local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local path, prefix, suffix, pool
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
  path = args[1]
  pool = read_lines(args[2])
  prefix, suffix = split_template(args[3])
end

function request()
  used = used + 1
  local value = pool[used]
  if value == nil then
    exhausted = true
    wrk.thread:stop()
    value = "pool-exhausted"
  end
  return wrk.format("POST", path, headers, prefix .. value .. suffix)
end

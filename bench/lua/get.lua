-- GET <path> on every request (the ceiling).  Arguments: path.
local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local req

function init(args)
  req = wrk.format("GET", args[1] or "/")
end

function request()
  return req
end

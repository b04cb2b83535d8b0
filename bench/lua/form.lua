-- POST the same form on every request (client_credentials).  Arguments: path, form body.
local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local req

function init(args)
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  req = wrk.format("POST", args[1], headers, args[2])
end

function request()
  return req
end

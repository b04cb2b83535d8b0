-- Shared by every benchmark script: counts non-2xx answers, keeps the first one for the report,
-- and prints the run's summary and latency distribution as one JSON line ("BENCH_JSON {...}").
-- Per-thread globals (read back in done() through thread:get): non2xx, first_error, exhausted, used.

non2xx = 0
first_error = ""
exhausted = false
used = 0

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_error == "" then
      first_error = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

-- Lines of a file, without their line breaks; an empty table when the file is empty.
function read_lines(path)
  local lines = {}
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  file:close()
  return lines
end

-- A form body template split around its "{token}" placeholder.
function split_template(template)
  local at = string.find(template, "{token}", 1, true)
  assert(at, "the body template has no {token} placeholder")
  return string.sub(template, 1, at - 1), string.sub(template, at + 7)
end

local function quote(value)
  local escaped = string.gsub(value, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. escaped .. '"'
end

function done(summary, latency, requests)
  local bad, exhausted_any, tokens_used, error_text = 0, false, 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    tokens_used = tokens_used + (thread:get("used") or 0)
    exhausted_any = exhausted_any or thread:get("exhausted") == true
    local text = thread:get("first_error") or ""
    if error_text == "" then
      error_text = text
    end
  end
  local e = summary.errors
  local fields = {
    '"duration_us":' .. summary.duration,
    '"requests":' .. summary.requests,
    '"bytes":' .. summary.bytes,
    '"errors":{"connect":' .. e.connect .. ',"read":' .. e.read .. ',"write":' .. e.write
      .. ',"status":' .. e.status .. ',"timeout":' .. e.timeout .. "}",
    '"non2xx":' .. bad,
    '"tokens_used":' .. tokens_used,
    '"exhausted":' .. tostring(exhausted_any),
    '"first_error":' .. quote(error_text),
    '"latency_us":{"p50":' .. latency:percentile(50) .. ',"p90":' .. latency:percentile(90)
      .. ',"p99":' .. latency:percentile(99) .. ',"p999":' .. latency:percentile(99.9)
      .. ',"mean":' .. latency.mean .. ',"max":' .. latency.max .. "}",
  }
  io.write("BENCH_JSON {" .. table.concat(fields, ",") .. "}\n")
end


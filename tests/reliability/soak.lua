-- wrk script for tests/reliability/soak.py: mixed searches and completions, each
-- connection waiting DELAY ms between requests (a fixed rate: connections * 1000 / DELAY
-- requests per second, less the time each request takes).
local queries = {
  "打印机卡纸", "印表機卡紙", "outlook 0x800ccc0e", "vpn 809", "ORA-01017", "蓝屏",
  "printer jam", "KB2918614", "192.168.1.10", "密码 重置", "outlook -签名", "type:article",
  "邮件 OR 打印", "\"无法连接\"", "wifi", "打印", "out", "vp", "C:\\Windows\\System32",
}
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "100")
local token = os.getenv("SOAK_TOKEN") or ""
local n = 0
local statuses = {}

local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  n = n + 1
  local q = queries[(n % #queries) + 1]
  local path
  if n % 3 == 0 then
    path = "/api/v1/complete?q=" .. enc(q)
  else
    path = "/api/v1/search?q=" .. enc(q)
  end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("wrk: requests %d, errors connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("wrk: latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

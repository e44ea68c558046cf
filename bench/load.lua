-- The requests wrk sends for one endpoint of the benchmark, chosen by bench/run.py through
-- environment variables:
--   BENCH_MODE          path (GET BENCH_PATH), product (GET one random product),
--                       orders (GET BENCH_PATH as a customer), order_many (POST /orders,
--                       3 random products), order_hot (POST /orders, the hot product)
--   BENCH_PATH          the path of the path and orders modes
--   BENCH_PRODUCTS      how many products there are (ids 1..N)
--   BENCH_HOT_PRODUCT   the hot product's id
--   BENCH_TOKENS        bearer tokens, comma-separated; requests take them in turn
--   BENCH_REQUEST_LIMIT when above 0, each thread stops after this many responses
-- done() prints one line, BENCH_RESULT {json}, that run.py reads.

local mode = os.getenv("BENCH_MODE") or "path"
local fixed_path = os.getenv("BENCH_PATH") or "/"
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "1")
local hot = tonumber(os.getenv("BENCH_HOT_PRODUCT") or "1")
local request_limit = tonumber(os.getenv("BENCH_REQUEST_LIMIT") or "0")
local lines_per_order = 3

local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local turn = 0
local function headers()
  turn = turn % #tokens + 1
  return {
    ["Authorization"] = "Bearer " .. tokens[turn],
    ["Content-Type"] = "application/json",
  }
end

local function order_body(ids)
  local items = {}
  for i, id in ipairs(ids) do
    items[i] = string.format('{"product_id":%d,"quantity":1}', id)
  end
  return '{"items":[' .. table.concat(items, ",") .. ']}'
end

local function other_products(count)
  local chosen, ids = {}, {}
  while #ids < count do
    local id = math.random(hot + 1, products)
    if not chosen[id] then
      chosen[id] = true
      ids[#ids + 1] = id
    end
  end
  return ids
end

local builders = {
  path = function()
    return wrk.format("GET", fixed_path)
  end,
  product = function()
    return wrk.format("GET", "/products/" .. math.random(1, products))
  end,
  orders = function()
    return wrk.format("GET", fixed_path, headers())
  end,
  order_many = function()
    return wrk.format("POST", "/orders", headers(), order_body(other_products(lines_per_order)))
  end,
  order_hot = function()
    return wrk.format("POST", "/orders", headers(), order_body({ hot }))
  end,
}
local build = builders[mode]

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
  return build()
end

if request_limit > 0 then
  local seen = 0
  function response()
    seen = seen + 1
    if seen >= request_limit then
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"status_errors":%d,"connect_errors":%d,'
      .. '"read_errors":%d,"write_errors":%d,"timeouts":%d,'
      .. '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f}\n',
    summary.requests, summary.duration, errors.status, errors.connect, errors.read,
    errors.write, errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end

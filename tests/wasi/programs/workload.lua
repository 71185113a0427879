-- End-to-end Lua workload for skiff (tests/wasi/programs): run once under `skiff run` and
-- once natively; run_programs.py requires the same stdout, stderr and exit status.
-- usage: lua workload.lua OUTDIR   (a writable directory; a preopen under skiff)
local outdir = assert(arg[1], "usage: workload.lua OUTDIR")
local checks = 0
local function check(cond, what)
  checks = checks + 1
  if not cond then error("check failed: " .. what, 2) end
end

-- Closures: counters with shared upvalues, memoization, function factories.
local function counter(start)
  local n = start
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = counter(10)
for _ = 1, 5 do inc() end
check(get() == 15, "shared upvalue")
local function memoize(f)
  local cache = {}
  return function(x)
    local v = cache[x]
    if v == nil then v = f(x); cache[x] = v end
    return v
  end
end
local fib
fib = memoize(function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end)
check(fib(80) == 23416728348467685, "memoized fib(80)")
local adders = {}
for i = 1, 10 do adders[i] = function(x) return x + i end end
local acc = 0
for i = 1, 10 do acc = adders[i](acc) end
check(acc == 55, "per-iteration loop variables")
print("closures", get(), fib(80), acc)

-- Strings: patterns, gsub with tables and functions, format, pack, utf8.
local text = ("The quick brown fox jumps over the lazy dog. "):rep(200)
local words = {}
for w in text:gmatch("%a+") do words[#words + 1] = w:lower() end
check(#words == 1800, "gmatch word count")
local freq = {}
for _, w in ipairs(words) do freq[w] = (freq[w] or 0) + 1 end
local keys = {}
for k in pairs(freq) do keys[#keys + 1] = k end
table.sort(keys, function(a, b) if freq[a] ~= freq[b] then return freq[a] > freq[b] end return a < b end)
print("words", #words, table.concat(keys, ","))
local swapped, n = text:sub(1, 44):gsub("(%w+) (%w+)", "%2 %1")
print("gsub", swapped, n)
local vowels = text:sub(1, 44):gsub("[aeiou]", { a = "4", e = "3", i = "1", o = "0" })
print("gsub-table", vowels)
print("gsub-func", ("x=1, y=22, z=333"):gsub("(%a)=(%d+)", function(k, v) return k:upper() .. "=" .. #v end))
print("format", string.format("%5d|%-6s|%08.3f|%x|%q|%g", 42, "ab", math.pi, 48879, "a\nb\"c", 1e20))
local packed = string.pack("<i4 d s2", -7, 2.5, "packed")
local a, b, c = string.unpack("<i4 d s2", packed)
check(a == -7 and b == 2.5 and c == "packed", "string.pack round trip")
print("pack", #packed, a, b, c)
local u = "héllo wörld ✓"
print("utf8", utf8.len(u), #u, utf8.char(0x263A), table.concat({ utf8.codepoint(u, 1, -1) }, " "))
print("find", text:find("fox", 1, true), text:find("l%a+y"), ("abc"):byte(1, -1))

-- Coroutines: generators, a producer/consumer pipeline, yields across pcall, status.
local function gen(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i * i) end
  end)
end
local sq = 0
for v in gen(100) do sq = sq + v end
check(sq == 338350, "generator sum of squares")
local function producer()
  return coroutine.create(function()
    for _, w in ipairs({ "alpha", "beta", "gamma", "delta" }) do coroutine.yield(w) end
    return "done"
  end)
end
local function filter(prod)
  return coroutine.create(function()
    while true do
      local ok, w = coroutine.resume(prod)
      if coroutine.status(prod) == "dead" then return w end
      coroutine.yield(w:upper())
    end
  end)
end
local pipe, seen = filter(producer()), {}
while true do
  local ok, v = coroutine.resume(pipe)
  check(ok, "pipeline resume")
  if coroutine.status(pipe) == "dead" then seen[#seen + 1] = "<" .. v .. ">"; break end
  seen[#seen + 1] = v
end
print("pipeline", table.concat(seen, " "))
local co = coroutine.create(function(x)
  local ok, y = pcall(function() return coroutine.yield(x + 1) * 2 end)
  local ok2, err = pcall(function() coroutine.yield("in pcall"); error({ code = 7 }) end)
  return ok, y, ok2, err.code
end)
print("yield-across-pcall", coroutine.resume(co, 1))
print("yield-across-pcall", coroutine.resume(co, 20))
print("yield-across-pcall", coroutine.resume(co))
print("status", coroutine.status(co), coroutine.resume(co))
local deep = coroutine.wrap(function()
  local function down(k) if k == 0 then coroutine.yield("bottom") return 0 end return 1 + down(k - 1) end
  return down(150)
end)
print("deep", deep(), deep())

-- Errors: error objects, xpcall with a traceback-free handler, errors inside coroutines.
local ok, e = pcall(error, { reason = "table error" })
check(not ok and e.reason == "table error", "error object")
print("xpcall", xpcall(function() local t = nil; return t.x end, function(m) return "handled: " .. m end))
local bad = coroutine.create(function() error("boom in coroutine") end)
print("coroutine-error", coroutine.resume(bad))
print("nested-pcall", pcall(function()
  local ok1, e1 = pcall(error, "inner")
  error("outer after " .. e1, 0)
end))
print("tostring-error", pcall(string.rep))

-- Tables, metatables, integers and floats.
local V = {}
V.__index = V
V.__add = function(p, q) return setmetatable({ x = p.x + q.x, y = p.y + q.y }, V) end
V.__tostring = function(p) return "(" .. p.x .. "," .. p.y .. ")" end
local sum = setmetatable({ x = 0, y = 0 }, V)
for i = 1, 100 do sum = sum + setmetatable({ x = i, y = -i }, V) end
print("metatables", tostring(sum))
local arr = {}
for i = 1, 2000 do arr[i] = (i * 7919) % 2003 end
table.sort(arr)
check(arr[1] <= arr[2000], "sort")
print("sort", arr[1], arr[1000], arr[2000], #arr)
print("numbers", 7 // 2, -7 // 2, 7 % -3, 2 ^ 10, 1 / 0, math.maxinteger + 1 == math.mininteger,
  math.type(1), math.type(1.0), 0x7fffffff * 2, string.format("%.14g", math.sin(1)))

-- Files in the preopened directory: write, append, read back, seek, remove.
local path = outdir .. "/lua-workload.txt"
local f = assert(io.open(path, "w"))
for i = 1, 100 do f:write(string.format("line %03d %s\n", i, ("*"):rep(i % 7))) end
f:close()
f = assert(io.open(path, "a")); f:write("appended\n"); f:close()
local lines = 0
for line in io.lines(path) do lines = lines + 1 end
f = assert(io.open(path, "r"))
local size = f:seek("end")
f:seek("set", 9)
local second = f:read("l")
f:close()
check(lines == 101, "lines read back")
print("files", lines, size, second, os.remove(path), io.open(path) == nil)
-- (The errno number, io.open's third result, is the platform's: 2 on Linux, 44 in WASI.)
local none, msg = io.open(outdir .. "/no/such/file")
local i, j = msg:find(outdir, 1, true)
if i then msg = msg:sub(1, i - 1) .. "OUTDIR" .. msg:sub(j + 1) end
print("missing", none, msg)

print("checks", checks)

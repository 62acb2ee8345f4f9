-- wrk script: replay a request file (METHOD<TAB>PATH<TAB>BODY per line) with Okta's headers.
-- Arguments after "--": request file, Authorization header value, a tag unique to this run.
-- "@U@" in a body becomes tag-thread-counter, so every POST /Users has a fresh userName.
local requests, index, counter, tag = {}, 0, 0, ""
local get_headers, body_headers
local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

local function okta_headers(auth, with_body)
   local headers = {
      ["User-Agent"] = "Okta SCIM Client 1.0.0",
      ["Accept"] = "application/scim+json",
      ["Accept-Charset"] = "utf-8",
      ["Accept-Encoding"] = "gzip,deflate",
      ["Authorization"] = auth,
   }
   if with_body then headers["Content-Type"] = "application/scim+json; charset=utf-8" end
   return headers
end

function init(args)
   for line in io.lines(args[1]) do
      local method, path, body = line:match("^(%u+)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = { method, path, body }
   end
   get_headers, body_headers = okta_headers(args[2], false), okta_headers(args[2], true)
   tag = args[3]
   index = (tid or 1) * 997 % #requests
end

function request()
   index = index % #requests + 1
   local r = requests[index]
   local body = r[3]
   if body == "" then
      return wrk.format(r[1], r[2], get_headers, nil)
   end
   if body:find("@U@", 1, true) then
      counter = counter + 1
      body = body:gsub("@U@", tag .. "-" .. (tid or 1) .. "-" .. counter)
   end
   return wrk.format(r[1], r[2], body_headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
      '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
      '"mean_us": %.1f, "max_us": %d}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
      e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max))
end

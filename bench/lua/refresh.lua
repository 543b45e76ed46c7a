-- POST /api/auth/refresh as real clients use rotation: every refresh token is used once, and
-- the one a response returns is the next one sent. Each thread starts with its share of unused
-- tokens (args.tokens, at least one per connection) in a queue; a request takes the oldest, a
-- 200 response puts the rotated token at the back. Every family is therefore a chain in which only
-- the newest token is ever presented, exactly as one client per session would do.
-- A thread whose queue is empty (only after failed responses) sends a token that cannot be valid,
-- and counts it as `starved`: the failures show up as non-2xx, never hidden.
local queue = {}
local head = 1
local tail = 0
local headers = {["Content-Type"] = "application/json"}

function scenario_init(a)
   for _, token in ipairs(my_share(a.tokens)) do
      tail = tail + 1
      queue[tail] = token
   end
end

function request()
   local token
   if head <= tail then
      token = queue[head]
      queue[head] = nil
      head = head + 1
   else
      starved = starved + 1
      token = "bench-starved"
   end
   return wrk.format("POST", "/api/auth/refresh", headers,
      string.format('{"refresh_token": "%s"}', token))
end

function scenario_response(status, response_headers, body)
   if status == 200 then
      local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
      if token then
         tail = tail + 1
         queue[tail] = token
      end
   end
end

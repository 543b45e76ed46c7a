-- GET /api/auth/me with the access tokens of several users (one per line of args.tokens),
-- each thread cycling through its share of them. Requests are built once, in init.
-- args.header / args.scheme: another header than "Authorization: Bearer <token>" (the peers').
local requests_list = {}
local cursor = 0

local function token_headers(a, token)
   if a.header then
      return {[a.header] = (a.scheme or "") .. token}
   end
   return {["Authorization"] = "Bearer " .. token}
end

function scenario_init(a)
   for _, token in ipairs(my_share(a.tokens)) do
      table.insert(requests_list, wrk.format("GET", a.path or "/api/auth/me",
         token_headers(a, token)))
   end
   if #requests_list == 0 then
      -- fewer tokens than threads: share the first one
      local token = read_lines(a.tokens)[1]
      table.insert(requests_list, wrk.format("GET", a.path or "/api/auth/me",
         token_headers(a, token)))
   end
end

function request()
   cursor = cursor % #requests_list + 1
   return requests_list[cursor]
end

-- GET /api/auth/me with the access tokens of several users (one per line of args.tokens),
-- each thread cycling through its share of them. Requests are built once, in init.
local requests_list = {}
local cursor = 0

function scenario_init(a)
   for _, token in ipairs(my_share(a.tokens)) do
      table.insert(requests_list, wrk.format("GET", a.path or "/api/auth/me",
         {["Authorization"] = "Bearer " .. token}))
   end
   if #requests_list == 0 then
      -- fewer tokens than threads: share the first one
      local token = read_lines(a.tokens)[1]
      table.insert(requests_list, wrk.format("GET", a.path or "/api/auth/me",
         {["Authorization"] = "Bearer " .. token}))
   end
end

function request()
   cursor = cursor % #requests_list + 1
   return requests_list[cursor]
end

-- POST /api/auth/introspect as a service (args.credential: the Basic credential, base64), with the
-- access tokens of several users (one per line of args.tokens) as form bodies, each thread cycling
-- through its share of them. Requests are built once, in init.
local requests_list = {}
local cursor = 0

local function introspection(a, token)
   return wrk.format("POST", "/api/auth/introspect", {
      ["Authorization"] = "Basic " .. a.credential,
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }, "token=" .. token)
end

function scenario_init(a)
   for _, token in ipairs(my_share(a.tokens)) do
      table.insert(requests_list, introspection(a, token))
   end
   if #requests_list == 0 then
      table.insert(requests_list, introspection(a, read_lines(a.tokens)[1]))
   end
end

function request()
   cursor = cursor % #requests_list + 1
   return requests_list[cursor]
end

-- The framework's floor: GET on bench/floor_app.py, with the same Authorization header size as
-- the /me scenario (the header is ignored), so both send the same bytes.
local requests_list = {}
local cursor = 0

function scenario_init(a)
   for _, token in ipairs(my_share(a.tokens)) do
      table.insert(requests_list, wrk.format("GET", a.path or "/floor",
         {["Authorization"] = "Bearer " .. token}))
   end
   if #requests_list == 0 then
      table.insert(requests_list, wrk.format("GET", a.path or "/floor",
         {["Authorization"] = "Bearer " .. read_lines(a.tokens)[1]}))
   end
end

function request()
   cursor = cursor % #requests_list + 1
   return requests_list[cursor]
end

-- POST /api/auth/register with a new email on every request (the run's nonce, the thread, a
-- counter), the same strong password, and the client's explicit nulls.
local n = 0
local headers = {["Content-Type"] = "application/json"}
local body_format = '{"email": "%s", "password": "%s", "first_name": "Ana", "last_name": "Prueba", '
   .. '"role": "student", "phone": null, "program": null}'

function request()
   n = n + 1
   local email = string.format("new-%s-%d-%d@%s", args.nonce, id, n, args.domain)
   return wrk.format("POST", "/api/auth/register", headers, string.format(body_format, email, args.password))
end

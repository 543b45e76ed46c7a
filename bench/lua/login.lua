-- POST /api/auth/login over the seeded accounts bench-user-<n>@<domain>, n = 1..users.
--   mode=ok       the right password
--   mode=wrong    a wrong password; the accounts are taken round-robin from args.offset, so
--                 the failures are spread over every seeded account (per-account lockout)
--   mode=unknown  an email that exists nowhere, unique per request
-- Thread `id` takes accounts offset+id, offset+id+threads, ... (modulo users).
local n = 0
local body_format = '{"email": "%s", "password": "%s"}'
local headers = {["Content-Type"] = "application/json"}

function scenario_init(a)
   n = 0
end

function request()
   local threads_n = tonumber(args.threads)
   local k = tonumber(args.offset) + id + n * threads_n
   n = n + 1
   local email, password
   if args.mode == "unknown" then
      email = string.format("nobody-%s-%d@%s", args.nonce, k, args.domain)
      password = args.password
   else
      email = string.format("bench-user-%d@%s", k % tonumber(args.users) + 1, args.domain)
      if args.mode == "wrong" then password = args.wrong_password else password = args.password end
   end
   return wrk.format("POST", "/api/auth/login", headers, string.format(body_format, email, password))
end

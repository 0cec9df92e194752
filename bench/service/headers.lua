-- wrk script: sends the session cookie from $PF_COOKIE (empty: none), as a browser polling its
-- job would. wrk itself reports non-2xx answers ("Non-2xx or 3xx responses").
local cookie = os.getenv("PF_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

-- wrk script: each write carries `depth` pipelined requests for the URL's path (default 16).
-- usage: wrk -s scripts/wrk/pipeline.lua URL -- [depth]
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do r[i] = wrk.format(nil) end
  req = table.concat(r)
end

request = function()
  return req
end

-- wrk script: 16 pipelined GETs per batch (as in wrk's own pipeline example).
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, wrk.path)
  end
  req = table.concat(r)
end

request = function()
  return req
end

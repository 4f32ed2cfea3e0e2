-- The median of a list of numbers (the list is left as it is); nil for an
-- empty one. Shared by bench/bench.lua and bench/decode.lua, which run on
-- different Luas (5.1 included).
return function(list)
  local sorted = {}
  for i = 1, #list do sorted[i] = list[i] end
  table.sort(sorted)
  local n = #sorted
  if n == 0 then return nil end
  if n % 2 == 1 then return sorted[(n + 1) / 2] end
  return (sorted[n / 2] + sorted[n / 2 + 1]) / 2
end

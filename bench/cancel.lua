-- wrk script: POST /api/v1/fine-tunes/{id}/cancel with a different queued job each request.
-- TUNEUP_IDS names a file of job ids, TUNEUP_THREADS the wrk thread count.
local ids = {}
for line in io.lines(os.getenv("TUNEUP_IDS")) do ids[#ids + 1] = line end
local nthreads = tonumber(os.getenv("TUNEUP_THREADS") or "1")
local started = 0
local n = 0

function setup(thread)
  thread:set("tid", started)
  started = started + 1
end

request = function()
  local i = n * nthreads + tid + 1
  n = n + 1
  if i > #ids then i = ((i - 1) % #ids) + 1 end
  return wrk.format("POST", "/api/v1/fine-tunes/" .. ids[i] .. "/cancel")
end

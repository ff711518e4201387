--- What the editor knows about runs: snapshots (`tracker/runState`), the activity log
--- (`tracker/runEvent`) and node timings, keyed by run ID. Rendering is in tracker.runbuf.
local config = require('tracker.config')
local format = require('tracker.format')

local M = {}

---@class tracker.Run
---@field id string
---@field client_id integer?
---@field snapshot table?       the latest tracker.runState object
---@field last_seq integer      the highest event sequence number folded in
---@field lines table<integer, string>  log lines, indices head..tail
---@field head integer
---@field tail integer
---@field timing table<string, { start: number?, stop: number? }>
---@field notified_end boolean

---@type table<string, tracker.Run>
M.runs = {}

function M.get(run_id)
  return M.runs[run_id]
end

---@return tracker.Run
function M.ensure(run_id, client_id)
  local run = M.runs[run_id]
  if not run then
    run = {
      id = run_id,
      client_id = client_id,
      last_seq = 0,
      lines = {},
      head = 1,
      tail = 0,
      timing = {},
      notified_end = false,
      events = 0,
    }
    M.runs[run_id] = run
  elseif client_id then
    run.client_id = client_id
  end
  return run
end

--- A run ID, or a unique prefix of one, among the runs this editor knows.
function M.find(prefix)
  if M.runs[prefix] then
    return M.runs[prefix]
  end
  local found
  for id, run in pairs(M.runs) do
    if vim.startswith(id, prefix) then
      if found then
        return nil
      end
      found = run
    end
  end
  return found
end

function M.active(run)
  return run.snapshot == nil or run.snapshot.active ~= false
end

--- Runs this editor knows, newest first.
---@return tracker.Run[]
function M.list()
  local out = vim.tbl_values(M.runs)
  table.sort(out, function(a, b)
    local sa = a.snapshot and a.snapshot.startedAt or ''
    local sb = b.snapshot and b.snapshot.startedAt or ''
    if sa ~= sb then
      return sa > sb
    end
    return a.id > b.id
  end)
  return out
end

local function add_lines(run, lines)
  for _, line in ipairs(lines) do
    run.tail = run.tail + 1
    run.lines[run.tail] = line
  end
  local max = config.options.max_log_lines
  while run.tail - run.head + 1 > max do
    run.lines[run.head] = nil
    run.head = run.head + 1
  end
end

local FINISHED = {
  stage_completed = true,
  stage_failed = true,
  node_memo_replayed = true,
  work_preserve_failed = true,
}

local function time_node(run, event)
  local node = event.node_id
  if not node or event.source ~= 'pipeline' then
    return
  end
  if event.type == 'stage_started' then
    run.timing[node] = { start = format.parse_ts(event.ts) }
  elseif FINISHED[event.type] then
    local timing = run.timing[node]
    if timing and timing.start and not timing.stop then
      timing.stop = format.parse_ts(event.ts)
    end
  end
end

--- Fold one `{seq, event}` in (events already seen are ignored).
function M.add_event(run, seq, event)
  if seq then
    if seq <= run.last_seq then
      return false
    end
    run.last_seq = seq
  end
  run.events = run.events + 1
  time_node(run, event)
  add_lines(run, format.event_lines(event))
  return true
end

--- `tracker/runEvent`
function M.on_event(params, ctx)
  if type(params) ~= 'table' or not params.runId or type(params.event) ~= 'table' then
    return
  end
  local run = M.ensure(params.runId, ctx and ctx.client_id)
  if params.seq == 1 and run.last_seq > 0 then
    run.last_seq = 0 -- numbered afresh: a server that did not know the run resumed it
  end
  if M.add_event(run, params.seq, params.event) then
    require('tracker.runbuf').schedule(run)
  end
end

local END_LEVEL = {
  succeeded = vim.log.levels.INFO,
  canceled = vim.log.levels.WARN,
  paused = vim.log.levels.WARN,
  failed = vim.log.levels.ERROR,
}

--- Fold a `tracker.runState` snapshot in.
function M.set_snapshot(run, snapshot)
  local was_active = run.snapshot == nil or run.snapshot.active
  run.snapshot = snapshot
  if snapshot.active then
    run.watched = true -- seen running: its end is worth a message
  end
  if was_active and snapshot.active == false and not run.notified_end and run.watched then
    run.notified_end = true
    local text = ('%s %s: %s (%s)'):format(snapshot.workflow or 'run', run.id, snapshot.state or '?', snapshot.status or '?')
    if snapshot.error then
      text = text .. ' — ' .. snapshot.error
    end
    require('tracker.client').notify(text, END_LEVEL[snapshot.state] or vim.log.levels.INFO)
  end
  if snapshot.active then
    run.notified_end = false
  end
end

--- `tracker/runState`
function M.on_state(snapshot, ctx)
  if type(snapshot) ~= 'table' or not snapshot.runId then
    return
  end
  local run = M.ensure(snapshot.runId, ctx and ctx.client_id)
  M.set_snapshot(run, snapshot)
  require('tracker.gates').sync(run, snapshot.pendingGates or {})
  require('tracker.runbuf').schedule(run)
end

--- Node timing as (duration in seconds, finished?) — a running node counts up to now.
function M.node_duration(run, node_id)
  local timing = run.timing[node_id]
  if not timing or not timing.start then
    return nil
  end
  if timing.stop then
    return timing.stop - timing.start, true
  end
  local sec, usec = vim.uv.gettimeofday()
  return (sec + usec / 1e6) - timing.start, false
end

--- Forget everything (tests, :TrackerRuns after a server restart).
function M.reset()
  M.runs = {}
end

return M

--- Run buffers (`tracker://run/<runId>`): a header (workflow, status, cost, gates), the
--- node list with state icons and durations, then the activity log. Updates are batched:
--- a buffer is redrawn at most every `render_interval_ms`, the header only when it
--- changed, and log lines are appended. Windows whose cursor sits on the last line follow
--- the log; a cursor moved elsewhere stays put.
local config = require('tracker.config')
local format = require('tracker.format')
local runs = require('tracker.runs')

local M = {}

local PREFIX = 'tracker://run/'
local ns = vim.api.nvim_create_namespace('tracker.run')

---@class tracker.View
---@field buf integer
---@field header string[]
---@field written integer   index (in run.lines) of the last log line in the buffer
---@field log_count integer log lines in the buffer

---@type table<string, tracker.View>
local views = {}
local scheduled = {} ---@type table<string, boolean>
local last_render = {} ---@type table<string, number>
local ticker ---@type uv.uv_timer_t?

function M.name(run_id)
  return PREFIX .. run_id
end

function M.run_id_of(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  if vim.startswith(name, PREFIX) then
    return name:sub(#PREFIX + 1)
  end
end

function M.view(run_id)
  local view = views[run_id]
  if view and vim.api.nvim_buf_is_valid(view.buf) then
    return view
  end
  views[run_id] = nil
end

local STATE_HL = {
  pending = 'TrackerNodePending',
  running = 'TrackerNodeRunning',
  waiting = 'TrackerNodeWaiting',
  retrying = 'TrackerNodeRetrying',
  done = 'TrackerNodeDone',
  failed = 'TrackerNodeFailed',
  skipped = 'TrackerNodeSkipped',
}

local function define_highlights()
  local links = {
    TrackerTitle = 'Title',
    TrackerLabel = 'Label',
    TrackerSection = 'Title',
    TrackerNodePending = 'Comment',
    TrackerNodeSkipped = 'Comment',
    TrackerNodeRunning = 'DiagnosticInfo',
    TrackerNodeWaiting = 'DiagnosticWarn',
    TrackerNodeRetrying = 'DiagnosticWarn',
    TrackerNodeDone = 'DiagnosticOk',
    TrackerNodeFailed = 'DiagnosticError',
    TrackerError = 'DiagnosticError',
    TrackerGatePending = 'DiagnosticWarn',
  }
  for group, target in pairs(links) do
    vim.api.nvim_set_hl(0, group, { link = target, default = true })
  end
end

local function pad(text, width)
  text = tostring(text or '')
  local w = vim.api.nvim_strwidth(text)
  if w >= width then
    return text
  end
  return text .. string.rep(' ', width - w)
end

local ACTIVE_STATES = { running = true, waiting = true, retrying = true }
local line_cache = setmetatable({}, { __mode = 'k' }) ---@type table<table, table<string, table>>

--- Formatted node lines of a run, by node ID (reused while nothing on the line changed).
local function cache_of(run)
  local cache = line_cache[run]
  if not cache then
    cache = {}
    line_cache[run] = cache
  end
  return cache
end

--- The header lines and their highlights ({line, col_start, col_end, group}).
local function header(run)
  local snap = run.snapshot or {}
  local lines, hls = {}, {}
  local function add(text, group)
    lines[#lines + 1] = text
    if group then
      hls[#hls + 1] = { #lines - 1, 0, -1, group }
    end
  end
  local status = snap.status or 'starting'
  local state = snap.state or 'starting'
  add(('%s · run %s · %s'):format(snap.workflow or '…', run.id, state), 'TrackerTitle')
  local file = snap.uri and vim.uri_to_fname(snap.uri) or nil
  if file then
    add('File     ' .. vim.fn.fnamemodify(file, ':~:.'))
  end
  local current = (snap.currentNode and snap.currentNode ~= '') and ('   current: ' .. snap.currentNode) or ''
  add(('Status   %s%s%s'):format(status, snap.resumed and ' (resumed)' or '', current))
  add('Cost     ' .. format.cost(snap.cost))
  local gates = snap.pendingGates or {}
  if #gates > 0 then
    local names = {}
    for _, gate in ipairs(gates) do
      names[#names + 1] = ('%s (%s)'):format(gate.nodeId or '?', gate.mode or '?')
    end
    add(('Gates    %d waiting: %s — press A or :TrackerGates'):format(#gates, table.concat(names, ', ')), 'TrackerGatePending')
  end
  if snap.cancelRequested and snap.active then
    add('Cancel   requested; the run stops at the next checkpoint')
  end
  if snap.error and snap.error ~= '' then
    for i, line in ipairs(vim.split(snap.error, '\n', { plain = true })) do
      add((i == 1 and 'Error    ' or '         ') .. line, 'TrackerError')
    end
  end
  add('')
  add('Nodes', 'TrackerSection')
  local icons = config.options.icons
  local nodes = snap.nodes or {}
  local id_width = 8
  for _, node in ipairs(nodes) do
    local w = #node.id -- IDs are ASCII; a wider one only shifts its own columns
    if w > id_width then
      id_width = w
    end
  end
  local cache = cache_of(run)
  for _, node in ipairs(nodes) do
    local node_state = node.state or 'pending'
    local seconds, finished = runs.node_duration(run, node.id)
    local took = ''
    if seconds and (finished or ACTIVE_STATES[node_state]) then
      took = format.duration(seconds)
    end
    local attempts = tonumber(node.attempts) or 0
    local key = table.concat({ node_state, took, attempts, node.label or '', node.error or '', id_width }, '\0')
    local entry = cache[node.id]
    if not entry or entry.key ~= key then
      local label = (node.label and node.label ~= node.id) and node.label or ''
      local text = ('  %s %s  %s %s  %s'):format(
        icons[node_state] or '·',
        pad(node.id, id_width),
        pad(node_state, 8),
        pad(took .. (attempts > 1 and (' ×' .. attempts) or ''), 9),
        label
      )
      text = text:gsub('%s+$', '')
      if node.error and node.error ~= '' then
        text = text .. '  — ' .. node.error
      end
      entry = { key = key, line = text }
      cache[node.id] = entry
    end
    lines[#lines + 1] = entry.line
    local group = STATE_HL[node_state]
    if group then
      hls[#hls + 1] = { #lines - 1, 0, 2 + #(icons[node_state] or '·'), group }
    end
  end
  add('')
  add('Log', 'TrackerSection')
  return lines, hls
end

--- The 1-based range [first, last] of `new` that differs from `old` (same prefix and
--- suffix left out), or nil when they are equal.
local function changed_range(old, new)
  local n_old, n_new = #old, #new
  local first = 1
  while first <= n_old and first <= n_new and old[first] == new[first] do
    first = first + 1
  end
  if first > n_old and first > n_new then
    return nil
  end
  local last_old, last_new = n_old, n_new
  while last_old >= first and last_new >= first and old[last_old] == new[last_new] do
    last_old, last_new = last_old - 1, last_new - 1
  end
  return first, last_new
end

local function windows_of(buf)
  return vim.fn.win_findbuf(buf)
end

--- Redraw `run`'s buffer now (if it has one).
function M.render(run)
  local view = M.view(run.id)
  if not view then
    return
  end
  local buf = view.buf
  local line_count = vim.api.nvim_buf_line_count(buf)
  local followers = {}
  for _, win in ipairs(windows_of(buf)) do
    if vim.api.nvim_win_get_cursor(win)[1] >= line_count then
      followers[#followers + 1] = win
    end
  end
  vim.bo[buf].modifiable = true
  local lines, hls = header(run)
  local first, last = changed_range(view.header, lines)
  if first then
    -- only the changed stretch is replaced (a node list of hundreds of lines changes a few)
    local old_last = last + (#view.header - #lines)
    vim.api.nvim_buf_set_lines(buf, first - 1, old_last, false, vim.list_slice(lines, first, last))
    vim.api.nvim_buf_clear_namespace(buf, ns, first - 1, math.max(last, first - 1))
    for _, hl in ipairs(hls) do
      local row = hl[1]
      if row >= first - 1 and row < last then
        local end_col = hl[3] >= 0 and hl[3] or #lines[row + 1]
        vim.api.nvim_buf_set_extmark(buf, ns, row, hl[2], { end_col = end_col, hl_group = hl[4] })
      end
    end
    view.header = lines
  end
  -- log lines dropped from the run's memory are dropped from the buffer too
  if view.written < run.head - 1 then
    view.written = run.head - 1
  end
  if view.written < run.tail then
    local new = {}
    for i = view.written + 1, run.tail do
      new[#new + 1] = run.lines[i]
    end
    if view.log_count == 0 and vim.api.nvim_buf_line_count(buf) == #view.header + 1 then
      -- the empty placeholder line after the header
      vim.api.nvim_buf_set_lines(buf, #view.header, -1, false, new)
    else
      vim.api.nvim_buf_set_lines(buf, -1, -1, false, new)
    end
    view.log_count = view.log_count + #new
    view.written = run.tail
    local excess = view.log_count - config.options.max_log_lines
    if excess > 0 then
      vim.api.nvim_buf_set_lines(buf, #view.header, #view.header + excess, false, {})
      view.log_count = view.log_count - excess
    end
  end
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  local bottom = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(followers) do
    if vim.api.nvim_win_is_valid(win) then
      vim.api.nvim_win_set_cursor(win, { bottom, 0 })
    end
  end
end

local function now_ms()
  return vim.uv.hrtime() / 1e6
end

--- Ask for a redraw of `run`'s buffer: at once when the last one is older than the
--- interval, else once at the end of it (many events, one redraw).
function M.schedule(run)
  if scheduled[run.id] or not M.view(run.id) then
    return
  end
  scheduled[run.id] = true
  local wait = (last_render[run.id] or -math.huge) + config.options.render_interval_ms - now_ms()
  local function go()
    scheduled[run.id] = nil
    last_render[run.id] = now_ms()
    M.render(run)
  end
  if wait <= 0 then
    vim.schedule(go)
  else
    vim.defer_fn(go, math.ceil(wait))
  end
end

-- While a run is active and visible, its running node's duration counts up.
local function tick()
  local any = false
  for id, _ in pairs(views) do
    local run = runs.get(id)
    local view = M.view(id)
    if run and view and runs.active(run) then
      any = true
      if #windows_of(view.buf) > 0 then
        M.schedule(run)
      end
    end
  end
  if not any and ticker then
    ticker:stop()
    ticker:close()
    ticker = nil
  end
end

local function start_ticker()
  if ticker then
    return
  end
  ticker = assert(vim.uv.new_timer())
  ticker:start(1000, 1000, vim.schedule_wrap(tick))
end

local function map(buf, lhs, rhs, desc)
  vim.keymap.set('n', lhs, rhs, { buffer = buf, nowait = true, silent = true, desc = desc })
end

local function set_keymaps(buf, run_id)
  map(buf, 'q', '<cmd>close<cr>', 'Close the run window')
  map(buf, '<CR>', function()
    require('tracker.commands').goto_node(buf)
  end, 'Go to the node under the cursor')
  map(buf, 'C', function()
    require('tracker.commands').cancel({ run_id })
  end, 'Cancel this run')
  map(buf, 'R', function()
    require('tracker.commands').resume({ run_id })
  end, 'Resume this run')
  map(buf, 'A', function()
    require('tracker.gates').reopen(run_id)
  end, 'Answer the pending gates')
  map(buf, 'D', function()
    require('tracker.commands').diagnose({ run_id })
  end, 'Diagnose this run')
  map(buf, 'g?', function()
    require('tracker.client').notify(
      'run buffer: <CR> go to node · A answer gates · C cancel · R resume · D diagnose · q close'
    )
  end, 'Run buffer keys')
end

--- The buffer of `run` (created on first use; shown in no window).
function M.buffer(run)
  local view = M.view(run.id)
  if view then
    return view.buf
  end
  define_highlights()
  local name = M.name(run.id)
  local buf = vim.fn.bufnr(name)
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(true, true)
    vim.api.nvim_buf_set_name(buf, name)
  end
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].undolevels = -1
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, {})
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'trackerrun'
  views[run.id] = { buf = buf, header = {}, written = run.head - 1, log_count = 0 }
  set_keymaps(buf, run.id)
  vim.api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    once = true,
    callback = function()
      views[run.id] = nil
    end,
  })
  M.render(run)
  start_ticker()
  return buf
end

local function split_command(position, size)
  local total = (position == 'left' or position == 'right') and vim.o.columns or vim.o.lines
  local amount = size and (size < 1 and math.floor(total * size) or size) or nil
  local prefix = ({ bottom = 'botright', top = 'topleft', left = 'topleft vertical', right = 'botright vertical' })[position]
  return ('%s %ssplit'):format(prefix or 'botright', amount and tostring(amount) or '')
end

--- Show `run`'s buffer (in its window if one shows it, else per `panel.position`).
---@param opts { enter: boolean? }?
function M.open(run, opts)
  opts = opts or {}
  local buf = M.buffer(run)
  local wins = windows_of(buf)
  local win = wins[1]
  if not win then
    local panel = config.options.panel
    local here = vim.api.nvim_get_current_win()
    if panel.position == 'current' then
      vim.api.nvim_win_set_buf(here, buf)
    elseif panel.position == 'tab' then
      vim.cmd('tab sbuffer ' .. buf)
    else
      vim.cmd(split_command(panel.position, panel.size))
      vim.api.nvim_win_set_buf(0, buf)
    end
    win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
    if opts.enter == false and vim.api.nvim_win_is_valid(here) and panel.position ~= 'current' then
      vim.api.nvim_set_current_win(here)
    end
  elseif opts.enter ~= false then
    vim.api.nvim_set_current_win(win)
  end
  return buf, win
end

--- The node ID on `line` (1-based) of a run buffer: a node-list line or a log line.
function M.node_at(buf, line)
  local run_id = M.run_id_of(buf)
  local view = run_id and M.view(run_id)
  local text = vim.api.nvim_buf_get_lines(buf, line - 1, line, false)[1] or ''
  if view and line <= #view.header then
    local run = runs.get(run_id)
    for _, node in ipairs(run and run.snapshot and run.snapshot.nodes or {}) do
      local id = text:match('^  %S+ (%S+)')
      if id == node.id then
        return id
      end
    end
    return nil
  end
  local id = text:sub(15, 14 + 18):match('^(%S+)')
  return id
end

return M

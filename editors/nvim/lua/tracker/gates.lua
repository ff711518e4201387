--- Human gates: `tracker/gateOpened` prompts through vim.ui (so the user's picker shows
--- them) or the interview form; answers go back with `tracker.answerGate`.
---
--- One prompt at a time; other gates queue. A dismissed prompt leaves its gate pending
--- (`:TrackerGates` brings it back); a gate closed elsewhere (another answer, a timeout, a
--- cancelled run) closes its prompt. The server's errors are shown verbatim; an answer the
--- server refuses as invalid is asked for again.
local client_mod = require('tracker.client')
local config = require('tracker.config')

local M = {}

M.OTHER = 'other…'

---@type table<string, table>  gateId -> gate payload + { client_id, status, dismissed }
M.gates = {}
local queue = {} ---@type string[]
---@type { id: string, wins: table<integer, boolean>, builtin: boolean, close: fun()? }?
local active

local function run_workflow(gate)
  local run = require('tracker.runs').get(gate.runId)
  return run and run.snapshot and run.snapshot.workflow or gate.runId
end

local function one_line(text)
  return (tostring(text or ''):gsub('%s*\n+%s*', ' — '))
end

function M.title(gate)
  local text = (gate.prompt and gate.prompt ~= '') and gate.prompt or gate.label
  local limit = ''
  if tonumber(gate.timeoutSeconds) then
    limit = (' (times out after %ss: %s)'):format(gate.timeoutSeconds, gate.timeoutAction or 'default')
  end
  return ('%s · %s: %s%s'):format(run_workflow(gate), gate.nodeId or '?', one_line(text), limit)
end

function M.get(gate_id)
  return M.gates[gate_id]
end

--- Open gates, oldest first (of one run when `run_id` is given).
function M.pending(run_id)
  local out = {}
  for _, gate in pairs(M.gates) do
    if gate.status == 'open' and (not run_id or gate.runId == run_id) then
      out[#out + 1] = gate
    end
  end
  table.sort(out, function(a, b)
    return (a.openedAt or '') < (b.openedAt or '') or ((a.openedAt or '') == (b.openedAt or '') and a.seq < b.seq)
  end)
  return out
end

local serial = 0

local function register(payload, client_id)
  local gate = M.gates[payload.gateId]
  if gate then
    return gate, false
  end
  serial = serial + 1
  gate = vim.deepcopy(payload)
  gate.client_id = client_id
  gate.status = 'open'
  gate.dismissed = false
  gate.seq = serial
  gate.choices = gate.choices or {}
  gate.questions = gate.questions or {}
  M.gates[payload.gateId] = gate
  return gate, true
end

local function enqueue(gate, front)
  for i, id in ipairs(queue) do
    if id == gate.gateId then
      table.remove(queue, i)
      break
    end
  end
  if front then
    table.insert(queue, 1, gate.gateId)
  else
    queue[#queue + 1] = gate.gateId
  end
end

local function unqueue(gate_id)
  for i, id in ipairs(queue) do
    if id == gate_id then
      table.remove(queue, i)
      return
    end
  end
end

local function is_builtin(fn)
  local info = debug.getinfo(fn, 'S')
  return info and info.source and info.source:find('vim/ui.lua', 1, true) ~= nil
end

local function windows()
  local set = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    set[win] = true
  end
  return set
end

--- Close whatever shows the active prompt: our form, a picker's floating windows, or
--- the built-in command-line prompt.
local function close_active_prompt()
  local prompt = active
  active = nil
  if not prompt then
    return
  end
  if prompt.close then
    pcall(prompt.close)
    return
  end
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if not prompt.wins[win] and vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_get_config(win).relative ~= '' then
      pcall(vim.api.nvim_win_close, win, true)
    end
  end
  if prompt.builtin and vim.fn.mode() == 'c' then
    vim.api.nvim_input('<C-c>')
  end
end

local pump

--- Send `answer` for `gate`; `cb(err, data)` gets the server's refusal verbatim.
function M.submit(gate, answer, cb)
  local client = client_mod.by_id(gate.client_id) or client_mod.get()
  if not client then
    return cb('the tracker language server is not running', nil)
  end
  gate.submitting = true
  client_mod.execute(client, 'tracker.answerGate', { runId = gate.runId, gateId = gate.gateId, answer = answer }, function(err, _, data)
    gate.submitting = false
    if err then
      local reason = type(data) == 'table' and data.reason or nil
      if reason == 'gate_already_answered' or reason == 'unknown_gate' or reason == 'unknown_run' then
        gate.status = 'closed'
        unqueue(gate.gateId)
      end
      return cb(err, data)
    end
    gate.status = 'closed'
    gate.answered_here = true
    unqueue(gate.gateId)
    cb(nil, data)
  end)
end

--- The prompt of `gate` ended: `answer` is the protocol answer object, or nil when the
--- prompt was dismissed.
local function finish(gate, answer)
  if not active or active.id ~= gate.gateId then
    return -- a prompt that was closed because the gate closed; its callback is late
  end
  active = nil
  if gate.status ~= 'open' then
    return pump()
  end
  if answer == nil then
    gate.dismissed = true
    client_mod.notify(
      ('gate %s is still waiting — :TrackerGates answers it'):format(M.title(gate)),
      vim.log.levels.WARN
    )
    return pump()
  end
  M.submit(gate, answer, function(err, data)
    if err then
      client_mod.error(err)
      if type(data) == 'table' and data.reason == 'invalid_answer' and gate.status == 'open' then
        enqueue(gate, true) -- ask again
      elseif gate.status == 'open' then
        gate.dismissed = true
      end
    end
    pump()
  end)
end

local function begin(gate, extra)
  active = vim.tbl_extend('force', { id = gate.gateId, wins = windows(), builtin = false }, extra or {})
end

local function ask_text(gate, prompt)
  begin(gate, { builtin = is_builtin(vim.ui.input) })
  vim.ui.input({ prompt = prompt .. ': ', default = gate.default }, function(text)
    if text == nil or vim.trim(text) == '' then
      return finish(gate, nil)
    end
    finish(gate, { freeform = text })
  end)
end

local function select_choice(gate)
  local items = vim.deepcopy(gate.choices)
  local hybrid = gate.mode == 'hybrid'
  if hybrid then
    items[#items + 1] = M.OTHER
  end
  begin(gate, { builtin = is_builtin(vim.ui.select) })
  vim.ui.select(items, {
    prompt = M.title(gate),
    kind = 'tracker.gate',
    format_item = function(item)
      if gate.default and item == gate.default then
        return item .. ' (default)'
      end
      return item
    end,
  }, function(choice)
    if choice == nil then
      return finish(gate, nil)
    end
    if hybrid and choice == M.OTHER then
      return vim.schedule(function()
        if active and active.id == gate.gateId and gate.status == 'open' then
          ask_text(gate, M.title(gate))
        end
      end)
    end
    finish(gate, { choice = choice })
  end)
end

--- Show the prompt of `gate` (it becomes the active prompt).
function M.prompt(gate)
  local mode = gate.mode
  if mode == 'interview' then
    begin(gate)
    active.close = require('tracker.form').open(gate, {
      submit = function(answer, done)
        M.submit(gate, answer, function(err, data)
          done(err)
          if err and type(data) == 'table' and data.reason == 'invalid_answer' and gate.status == 'open' then
            return -- the form stays open to fix the answer
          end
          if active and active.id == gate.gateId then
            active = nil
          end
          if err and gate.status == 'open' then
            gate.dismissed = true
          end
          pump()
        end)
      end,
      dismiss = function()
        finish(gate, nil)
      end,
    })
  elseif mode == 'freeform' then
    ask_text(gate, M.title(gate))
  else -- choice, yes_no, hybrid (and anything newer with choices)
    if #gate.choices == 0 then
      return ask_text(gate, M.title(gate))
    end
    select_choice(gate)
  end
end

pump = function()
  if active then
    return
  end
  while #queue > 0 do
    local gate = M.gates[table.remove(queue, 1)]
    if gate and gate.status == 'open' then
      vim.schedule(function()
        if active then
          enqueue(gate, true)
          return
        end
        if gate.status == 'open' then
          M.prompt(gate)
        else
          pump()
        end
      end)
      return
    end
  end
end

--- `tracker/gateOpened`
function M.on_opened(params, ctx)
  if type(params) ~= 'table' or not params.gateId then
    return
  end
  local gate, new = register(params, ctx and ctx.client_id)
  if new and config.options.gates.auto_prompt then
    enqueue(gate)
    pump()
  end
end

local CLOSED_BY = {
  human = 'answered elsewhere',
  timeout = 'timed out',
  cancelled = 'its run ended',
}

--- `tracker/gateClosed`
function M.on_closed(params, _)
  if type(params) ~= 'table' or not params.gateId then
    return
  end
  local gate = M.gates[params.gateId]
  if not gate then
    return
  end
  local was_open = gate.status == 'open'
  gate.status = 'closed'
  gate.answeredBy = params.answeredBy
  unqueue(gate.gateId)
  local prompting = active and active.id == gate.gateId
  if prompting then
    close_active_prompt()
  end
  if (prompting or (was_open and gate.dismissed)) and not gate.submitting and not gate.answered_here then
    client_mod.notify(
      ('gate %s closed: %s'):format(M.title(gate), CLOSED_BY[params.answeredBy] or tostring(params.answeredBy)),
      vim.log.levels.INFO
    )
  end
  pump()
end

--- Gates listed in a run snapshot: ones this editor has not seen are registered (and
--- prompted); when the run has ended, its gates are closed.
function M.sync(run, pending)
  for _, payload in ipairs(pending) do
    M.on_opened(payload, { client_id = run.client_id })
  end
  if run.snapshot and run.snapshot.active == false then
    for _, gate in pairs(M.gates) do
      if gate.runId == run.id and gate.status == 'open' then
        M.on_closed({ gateId = gate.gateId, answeredBy = 'cancelled' })
      end
    end
  end
end

--- :TrackerGates — prompt every pending gate again (of one run when given), including
--- dismissed ones. Asks the servers for gates this editor may have missed first.
function M.reopen(run_id, done)
  local clients = client_mod.clients()
  local waiting = #clients
  local function go()
    local open = M.pending(run_id)
    if #open == 0 then
      client_mod.notify(run_id and ('run %s has no pending gates'):format(run_id) or 'no pending gates')
    else
      for _, gate in ipairs(open) do
        gate.dismissed = false
        if not (active and active.id == gate.gateId) then
          enqueue(gate)
        end
      end
      pump()
    end
    if done then
      done(#open)
    end
  end
  if waiting == 0 then
    return go()
  end
  for _, client in ipairs(clients) do
    client_mod.execute(client, 'tracker.runs', vim.empty_dict(), function(err, result)
      if not err and type(result) == 'table' then
        for _, summary in ipairs(result) do
          if summary.active and type(summary.pendingGates) == 'table' then
            for _, payload in ipairs(summary.pendingGates) do
              register(payload, client.id)
            end
          end
        end
      end
      waiting = waiting - 1
      if waiting == 0 then
        go()
      end
    end)
  end
end

--- The gate prompted right now (for tests and statuslines).
function M.active()
  return active and M.gates[active.id] or nil
end

--- Forget every gate (tests).
function M.reset()
  M.gates = {}
  queue = {}
  active = nil
end

return M

-- Runs and gates in a real Neovim against the real tracker-lsp: :TrackerRun with scripted
-- vim.ui answers and the interview form, routing, the run buffer, dismissed gates and
-- :TrackerGates, gates answered elsewhere, :TrackerCancel / :TrackerResume, :TrackerRuns,
-- :TrackerSimulate, :TrackerGraph, :TrackerDiagnose, parameter prompts.
--
--   nvim --headless --clean --cmd 'luafile editors/nvim/tests/minimal_init.lua' -l editors/nvim/tests/run_spec.lua
local T = dofile(vim.fs.dirname(vim.fs.abspath(debug.getinfo(1, 'S').source:sub(2))) .. '/helpers.lua')

local ws = T.workspace({ 'three_gates.dip', 'examples/gate_modes.dip', 'examples/release_check.dip' })
T.capture_notify()
T.ui.install()
require('tracker').setup({ render_interval_ms = 20, panel = { position = 'bottom' } })

local runs = require('tracker.runs')
local gates = require('tracker.gates')
local client_mod = require('tracker.client')

-- every raw event, by run (the run buffer keeps text only)
local raw = {}
local on_event = runs.on_event
runs.on_event = function(params, ctx)
  raw[params.runId] = raw[params.runId] or {}
  table.insert(raw[params.runId], params.event)
  return on_event(params, ctx)
end

local function edit(name)
  vim.cmd('edit! ' .. vim.fn.fnameescape(ws .. '/' .. name))
  local buf = vim.api.nvim_get_current_buf()
  T.client(buf)
  return buf
end

--- A clean slate for a case: one window, no active run, no prompt, no queued answers.
local function only_window()
  vim.cmd('silent! only')
  for _, run in ipairs(runs.list()) do
    if runs.active(run) and run.snapshot then
      local client = client_mod.by_id(run.client_id)
      if client then
        client:request_sync('workspace/executeCommand', { command = 'tracker.cancel', arguments = { { runId = run.id } } }, 30000)
      end
    end
  end
  T.settle(50)
  gates.reset()
  T.ui.reset()
  T.notes = {}
end

--- The run started by the next :TrackerRun / :TrackerResume (the newest run).
local function newest_run(after)
  return T.wait('a run to start', function()
    for _, run in ipairs(runs.list()) do
      if not after[run.id] then
        return run
      end
    end
  end)
end

local function known_runs()
  local set = {}
  for id, _ in pairs(runs.runs) do
    set[id] = true
  end
  return set
end

local function wait_state(run, state, timeout)
  return T.wait(('run %s to be %s'):format(run.id, state), function()
    return run.snapshot and run.snapshot.state == state and run.snapshot or nil
  end, timeout or 30000)
end

local function wait_gate(node)
  return T.wait('gate ' .. node, function()
    local open = gates.pending()
    for _, gate in ipairs(open) do
      if gate.nodeId == node then
        return gate
      end
    end
  end)
end

--- Fill the interview form of the open gate: `answers` = { [question id] = lines }.
local function fill_form(answers)
  local buf = T.wait('the interview form', function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(b):find('tracker://gate/', 1, true) and vim.api.nvim_buf_is_loaded(b) then
        return b
      end
    end
  end)
  local win = vim.fn.win_findbuf(buf)[1]
  T.ok(win and vim.api.nvim_win_get_config(win).relative ~= '', 'the form is a floating window')
  for id, lines in pairs(answers) do
    local all = T.lines(buf)
    for i, line in ipairs(all) do
      if line:match('^%[' .. vim.pesc(id) .. '%]') then
        vim.api.nvim_buf_set_lines(buf, i, i + 1, false, lines)
        break
      end
    end
  end
  return buf, win
end

local function submit_form(buf)
  vim.api.nvim_buf_call(buf, function()
    vim.cmd('write')
  end)
end

local function run_buffer(run)
  local buf = vim.fn.bufnr('tracker://run/' .. run.id)
  T.ok(buf ~= -1, 'the run buffer exists')
  return buf
end

local function node_states(buf)
  local states = {}
  for _, line in ipairs(T.lines(buf)) do
    local id, state = line:match('^  %S+ (%S+)%s+(%l+)')
    if id and state then
      states[id] = state
    end
  end
  return states
end

local function wait_buffer_text(buf, needle)
  return T.wait('"' .. needle .. '" in the run buffer', function()
    return T.text(buf):find(needle, 1, true) ~= nil
  end)
end

T.case(':TrackerRun answers a choice, a freeform and an interview gate, and routes by them', function()
  only_window()
  T.ui.reset()
  edit('three_gates.dip')
  local before = known_runs()
  T.ui.choose('right')
  T.ui.type('Ship on Friday')
  vim.cmd('TrackerRun')
  local run = newest_run(before)
  T.data.run_id = run.id
  local form = fill_form({ q1 = { 'Tracker 2.0' }, q2 = { 'yes' }, q3 = { 'chat', 'the team channel' } })
  submit_form(form)
  local final = wait_state(run, 'succeeded')
  T.eq('success', final.status)
  T.eq({}, final.pendingGates)

  -- the scripted prompts saw the gates
  T.eq('select', T.ui.calls[1].kind)
  T.eq({ 'left', 'right' }, T.ui.calls[1].items)
  T.contains(T.ui.calls[1].prompt, 'Pick a path')
  T.eq('input', T.ui.calls[2].kind)
  T.contains(T.ui.calls[2].prompt, 'Write a note')

  -- routing and answers, from the events
  local events = raw[run.id]
  local edges, answers = {}, {}
  for _, e in ipairs(events) do
    if e.type == 'decision_edge' then
      edges[e.node_id] = e.edge_to
    elseif e.type == 'decision_outcome' and e.context_updates then
      answers[e.node_id] = e.context_updates
    end
  end
  T.eq('Right', edges.Pick, 'the choice routes')
  T.eq('Ship on Friday', answers.Note.human_response, 'the free text reaches the context')
  local interview = vim.json.decode(answers.Interview.interview_answers)
  T.eq({ 'Tracker 2.0', 'yes', 'chat' }, vim.tbl_map(function(q)
    return q.answer
  end, interview.questions))
  T.eq('the team channel', interview.questions[3].elaboration)

  -- the run buffer: every node's final state and the log
  local rbuf = run_buffer(run)
  T.ok(#vim.fn.win_findbuf(rbuf) > 0, 'the run buffer is shown')
  wait_buffer_text(rbuf, 'succeeded')
  local states = node_states(rbuf)
  T.eq({
    Start = 'done',
    Pick = 'done',
    Left = 'skipped',
    Right = 'done',
    Note = 'done',
    Questions = 'done',
    Interview = 'done',
    Record = 'done',
    Done = 'done',
  }, states)
  local text = T.text(rbuf)
  T.contains(text, 'ThreeGates · run ' .. run.id)
  T.contains(text, 'edge selected Pick->Right via label')
  T.contains(text, 'gate answered by human: Ship on Friday')
  T.contains(text, 'pipeline completed')
  -- durations of finished nodes
  T.ok(text:match('\n  ✓ Right%s+done%s+%d+%.%ds'), 'a duration on the Right line')
  -- the log followed the run: the cursor of the run window is on the last line
  local win = vim.fn.win_findbuf(rbuf)[1]
  T.eq(vim.api.nvim_buf_line_count(rbuf), vim.api.nvim_win_get_cursor(win)[1])
end)

T.case('gate_modes: yes/no, a choice with a default, hybrid "other…" falls back to input, interview', function()
  only_window()
  T.ui.reset()
  edit('gate_modes.dip')
  local before = known_runs()
  T.ui.choose('Yes')
  T.ui.choose('chocolate')
  T.ui.choose(gates.OTHER)
  T.ui.type('warm but brief')
  vim.cmd('TrackerRun')
  local run = newest_run(before)
  local form = fill_form({ q1 = { 'Tracker' } })
  -- submitted with the form's <C-s> mapping
  vim.api.nvim_buf_call(form, function()
    vim.fn.maparg('<C-s>', 'n', false, true).callback()
  end)
  wait_state(run, 'succeeded')
  T.eq({ 'Yes', 'No' }, T.ui.calls[1].items)
  T.eq({ 'vanilla (default)', 'chocolate' }, T.ui.calls[2].formatted)
  T.eq({ 'formal', 'casual', gates.OTHER }, T.ui.calls[3].items)
  T.eq('input', T.ui.calls[4].kind)
  local outcome
  for _, e in ipairs(raw[run.id]) do
    if e.type == 'decision_outcome' and e.node_id == 'Feedback' then
      outcome = e.context_updates
    end
  end
  T.eq('warm but brief', outcome.human_response)
end)

T.case('a dismissed gate stays pending and :TrackerGates brings it back', function()
  only_window()
  T.ui.reset()
  edit('three_gates.dip')
  local before = known_runs()
  T.ui.dismiss()
  vim.cmd('TrackerRun')
  local run = newest_run(before)
  local gate = wait_gate('Pick')
  T.wait('the dismissal message', function()
    return T.note_matching('still waiting')
  end)
  -- the server still waits for it
  local client = client_mod.by_id(run.client_id)
  local state = client:request_sync('workspace/executeCommand', { command = 'tracker.runState', arguments = { { runId = run.id } } }, 5000)
  T.eq({ gate.gateId }, vim.tbl_map(function(g)
    return g.gateId
  end, state.result.pendingGates))
  T.ok(gates.active() == nil, 'no prompt open')
  -- the run buffer says a gate waits
  wait_buffer_text(run_buffer(run), 'Gates    1 waiting: Pick (choice)')

  T.ui.choose('left')
  T.ui.type('from :TrackerGates')
  vim.cmd('TrackerGates')
  local form = fill_form({ q1 = { 'again' } })
  submit_form(form)
  wait_state(run, 'succeeded')
  local edge
  for _, e in ipairs(raw[run.id]) do
    if e.type == 'decision_edge' and e.node_id == 'Pick' then
      edge = e.edge_to
    end
  end
  T.eq('Left', edge)
end)

T.case('a gate answered elsewhere closes its prompt and the form', function()
  only_window()
  T.ui.reset()
  T.notes = {}
  edit('three_gates.dip')
  local before = known_runs()
  -- a "picker" that opens a floating window and waits for the user
  local picker_win
  T.ui.answer(function()
    local buf = vim.api.nvim_create_buf(false, true)
    picker_win = vim.api.nvim_open_win(buf, false, { relative = 'editor', row = 1, col = 1, width = 20, height = 3 })
    return T.ui.HOLD
  end)
  T.ui.type('a note')
  vim.cmd('TrackerRun')
  local run = newest_run(before)
  local gate = wait_gate('Pick')
  T.wait('the picker', function()
    return picker_win and T.ui.calls[1]
  end)
  -- answered by someone else (another client of the protocol, the webhook, …)
  local client = client_mod.by_id(run.client_id)
  local reply = client:request_sync('workspace/executeCommand', {
    command = 'tracker.answerGate',
    arguments = { { runId = run.id, gateId = gate.gateId, answer = { choice = 'left' } } },
  }, 5000)
  T.eq({ accepted = true }, reply.result)
  T.wait('the picker window to close', function()
    return not vim.api.nvim_win_is_valid(picker_win)
  end)
  T.ok(T.wait('the message', function()
    return T.note_matching('answered elsewhere')
  end))
  -- the picker's late answer is not sent (it would be refused)
  T.ui.calls[1].finish('right')
  T.settle(200)
  T.ok(not T.note_matching('already closed'), 'no refused second answer')

  -- the interview form closes when its run is canceled
  local form, win = fill_form({})
  T.ok(vim.api.nvim_win_is_valid(win))
  vim.cmd('TrackerCancel ' .. run.id)
  wait_state(run, 'canceled')
  T.wait('the form to close', function()
    return not vim.api.nvim_win_is_valid(win) and not vim.api.nvim_buf_is_valid(form)
  end)
  T.ok(T.note_matching('its run ended'), 'told why the form closed')
end)

T.case(':TrackerCancel then :TrackerResume completes a run', function()
  only_window()
  T.ui.reset()
  T.notes = {}
  local source = edit('three_gates.dip')
  local before = known_runs()
  T.ui.answer(function()
    return T.ui.HOLD -- nobody answers before the cancel
  end)
  vim.cmd('TrackerRun')
  local run = newest_run(before)
  wait_gate('Pick')
  vim.api.nvim_set_current_buf(source)
  vim.cmd('TrackerCancel')
  local canceled = wait_state(run, 'canceled')
  T.eq(false, canceled.active)
  T.ok(T.wait('the cancel message', function()
    return T.note_matching('checkpoint saved; :TrackerResume ' .. run.id)
  end))
  T.eq({}, gates.pending(run.id))

  T.ui.choose('right')
  T.ui.type('after the resume')
  vim.cmd('TrackerResume ' .. run.id)
  local form = fill_form({ q1 = { 'resumed' }, q2 = { 'no' } })
  submit_form(form)
  local final = wait_state(run, 'succeeded')
  T.ok(final.resumed, 'the snapshot says resumed')
  local rbuf = run_buffer(run)
  wait_buffer_text(rbuf, 'Status   success (resumed)')
  local states = node_states(rbuf)
  for _, node in ipairs({ 'Start', 'Pick', 'Right', 'Note', 'Questions', 'Interview', 'Record', 'Done' }) do
    T.eq('done', states[node], node)
  end
end)

T.case(':TrackerRun asks for declared vars with vim.ui.input; key=value skips the prompt', function()
  only_window()
  T.ui.reset()
  edit('release_check.dip')
  local before = known_runs()
  T.ui.type('2.5.0')
  T.ui.answer(function()
    return T.ui.HOLD
  end)
  vim.cmd('TrackerRun')
  local run = newest_run(before)
  T.eq('input', T.ui.calls[1].kind)
  T.eq('params.version = ', T.ui.calls[1].prompt)
  T.eq('1.0.0', T.ui.calls[1].default)
  wait_gate('Approve')
  T.wait('the gate prompt', function()
    return T.ui.calls[2]
  end)
  T.contains(T.ui.calls[2].prompt, 'Ship release 2.5.0?')
  vim.cmd('TrackerCancel ' .. run.id)
  wait_state(run, 'canceled')

  -- given on the command line: no prompt
  T.ui.reset()
  before = known_runs()
  T.ui.answer(function()
    return T.ui.HOLD
  end)
  vim.cmd('TrackerRun ' .. vim.fn.fnameescape(ws .. '/release_check.dip') .. ' version=3.1.4')
  run = newest_run(before)
  wait_gate('Approve')
  T.wait('the gate prompt', function()
    return T.ui.calls[1]
  end)
  T.eq('select', T.ui.calls[1].kind)
  T.contains(T.ui.calls[1].prompt, 'Ship release 3.1.4?')
  vim.cmd('TrackerCancel ' .. run.id)
  wait_state(run, 'canceled')
end)

T.case(':TrackerRuns opens the buffer of the picked run', function()
  only_window()
  T.ui.reset()
  edit('three_gates.dip')
  local first
  for _, run in ipairs(runs.list()) do
    if run.snapshot and run.snapshot.workflow == 'ThreeGates' and run.snapshot.state == 'succeeded' then
      first = run
    end
  end
  T.ok(first, 'a finished ThreeGates run')
  local run_buf = vim.fn.bufnr('tracker://run/' .. first.id)
  if run_buf ~= -1 then
    vim.api.nvim_buf_delete(run_buf, { force = true })
  end
  T.ui.answer(function(kind, items, opts)
    assert(kind == 'select')
    for _, item in ipairs(items) do
      if item.runId == first.id then
        T.data.formatted = opts.format_item(item)
        return item
      end
    end
  end)
  vim.cmd('TrackerRuns')
  local buf = T.wait('the run buffer', function()
    local b = vim.fn.bufnr('tracker://run/' .. first.id)
    return b ~= -1 and #vim.fn.win_findbuf(b) > 0 and b or nil
  end)
  T.contains(T.data.formatted, first.id)
  T.contains(T.data.formatted, 'succeeded')
  wait_buffer_text(buf, 'pipeline completed')
  T.eq('done', node_states(buf).Done)
end)

T.case(':TrackerSimulate and :TrackerGraph show the workflow in scratch buffers', function()
  only_window()
  edit('three_gates.dip')
  vim.cmd('TrackerSimulate')
  local sim = T.wait('the simulate buffer', function()
    local b = vim.fn.bufnr('tracker://simulate/ThreeGates')
    return b ~= -1 and #T.lines(b) > 3 and b or nil
  end)
  local text = T.text(sim)
  T.contains(text, 'Simulation of ThreeGates')
  T.contains(text, 'Execution plan')
  T.contains(text, '└─▶ Right  label right')
  T.contains(text, 'Unreachable  none')

  only_window()
  edit('three_gates.dip')
  vim.cmd('TrackerGraph')
  local graph = T.wait('the graph buffer', function()
    local b = vim.fn.bufnr('tracker://graph/ThreeGates.txt')
    return b ~= -1 and #T.lines(b) > 3 and b or nil
  end)
  text = T.text(graph)
  T.contains(text, 'ThreeGates   9 nodes · 9 edges')
  T.contains(text, 'Pick  [wait.human]  "Pick a path"')
  T.contains(text, '  ├─▶ Left   label left')

  only_window()
  edit('three_gates.dip')
  vim.cmd('TrackerGraph mermaid')
  local mermaid = T.wait('the mermaid buffer', function()
    local b = vim.fn.bufnr('tracker://graph/ThreeGates.mermaid')
    return b ~= -1 and #T.lines(b) > 3 and b or nil
  end)
  T.contains(T.text(mermaid), 'Pick')
  T.eq('mermaid', vim.bo[mermaid].filetype)
end)

T.case(':TrackerDiagnose shows the report of a run', function()
  only_window()
  local run
  for _, r in ipairs(runs.list()) do
    if r.snapshot and r.snapshot.state == 'canceled' then
      run = r
    end
  end
  T.ok(run, 'a canceled run')
  vim.cmd('TrackerDiagnose ' .. run.id)
  local buf = T.wait('the diagnose buffer', function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(b):find('tracker://diagnose/', 1, true) and #T.lines(b) > 1 then
        return b
      end
    end
  end)
  T.contains(T.text(buf), 'Diagnosis of run ' .. run.id)
end)

T.case('<CR> on a node of the run buffer jumps to its declaration', function()
  only_window()
  local run
  for _, r in ipairs(runs.list()) do
    if r.snapshot and r.snapshot.workflow == 'ThreeGates' and r.snapshot.state == 'succeeded' then
      run = r
    end
  end
  T.ok(run, 'a finished ThreeGates run')
  local buf = require('tracker.runbuf').open(run)
  T.eq(buf, vim.api.nvim_get_current_buf())
  local row
  for i, line in ipairs(T.lines(buf)) do
    if line:match('^  %S+ Questions ') then
      row = i
    end
  end
  T.ok(row, 'the Questions line')
  vim.api.nvim_win_set_cursor(0, { row, 0 })
  vim.fn.maparg('<CR>', 'n', false, true).callback()
  T.wait('the declaration of Questions', function()
    return vim.api.nvim_get_current_line() == '  tool Questions' and vim.api.nvim_buf_get_name(0):match('three_gates%.dip$')
  end)
  T.ok(#vim.fn.win_findbuf(buf) > 0, 'the run buffer stays open')
end)

T.case('the code lenses run and simulate through the plugin', function()
  only_window()
  local buf = edit('three_gates.dip')
  local lenses = T.wait('the code lenses', function()
    local got = vim.lsp.codelens.get(buf)
    return #got >= 2 and got or nil
  end)
  local titles = vim.tbl_map(function(lens)
    return lens.command and lens.command.title
  end, lenses)
  T.ok(vim.tbl_contains(titles, '▶ Run') and vim.tbl_contains(titles, 'Simulate'), vim.inspect(titles))
  vim.api.nvim_win_set_cursor(0, { lenses[1].range.start.line + 1, 0 })
  -- two lenses on the line: vim.lsp.codelens.run asks which one
  T.ui.answer(function(kind, items, opts)
    assert(kind == 'select')
    for _, item in ipairs(items) do
      if opts.format_item(item):find('Simulate', 1, true) then
        return item
      end
    end
  end)
  vim.lsp.codelens.run()
  T.wait('the simulate buffer', function()
    local b = vim.fn.bufnr('tracker://simulate/ThreeGates')
    return b ~= -1 and #vim.fn.win_findbuf(b) > 0
  end)
  only_window()
  buf = edit('three_gates.dip')
  vim.api.nvim_win_set_cursor(0, { lenses[1].range.start.line + 1, 0 })
  local before = known_runs()
  T.ui.answer(function(kind, items, opts)
    assert(kind == 'select')
    for _, item in ipairs(items) do
      if opts.format_item(item):find('Run', 1, true) then
        return item
      end
    end
  end)
  T.ui.answer(function()
    return T.ui.HOLD -- the first gate of the run
  end)
  vim.lsp.codelens.run()
  local run = newest_run(before)
  wait_gate('Pick')
  T.wait('the run buffer of the lens run', function()
    return vim.fn.bufnr('tracker://run/' .. run.id) ~= -1
  end)
  vim.cmd('TrackerCancel ' .. run.id)
  wait_state(run, 'canceled')
end)

T.case("Neovim's own vim.ui prompts answer gates and close when answered elsewhere", function()
  only_window()
  -- a second Neovim with the built-in vim.ui.select (inputlist) and vim.ui.input, typed into
  local child = T.child()
  local ok, err = pcall(function()
    child.cmd('edit ' .. vim.fn.fnameescape(ws .. '/three_gates.dip'))
    T.wait('the child client', function()
      return child.lua([[
        local c = vim.lsp.get_clients({ name = 'tracker', bufnr = 0 })[1]
        return c ~= nil and c.initialized == true
      ]])
    end, 30000)
    child.lua([[
      _G.notes = {}
      vim.notify = function(msg) table.insert(_G.notes, msg) end
      require('tracker').run({ ask = false }, function(err, result) _G.run_id = err or result.runId end)
    ]])
    -- inputlist() waits in command-line mode; meanwhile only "fast" requests such as
    -- nvim_get_mode are answered
    T.wait('the choice list', function()
      return vim.rpcrequest(child.chan, 'nvim_get_mode').mode == 'c'
    end)
    child.input('2<CR>') -- the second choice: right
    T.wait('the text prompt of Note', function()
      local gate = child.lua("local g = require('tracker.gates').active(); return g and g.nodeId")
      return gate == 'Note' and vim.rpcrequest(child.chan, 'nvim_get_mode').mode == 'c'
    end)
    -- answered elsewhere while the command-line prompt is open
    child.lua([[
      local gate = require('tracker.gates').active()
      local client = vim.lsp.get_clients({ name = 'tracker' })[1]
      client:request('workspace/executeCommand', { command = 'tracker.answerGate',
        arguments = { { runId = gate.runId, gateId = gate.gateId, answer = { freeform = 'from elsewhere' } } } })
    ]])
    T.wait('the prompt to close', function()
      local mode = vim.rpcrequest(child.chan, 'nvim_get_mode')
      return mode.mode == 'n' and not mode.blocking
    end)
    local state = T.wait('the interview gate', function()
      return child.lua([[
        local run = require('tracker.runs').get(_G.run_id)
        local nodes = {}
        for _, node in ipairs(run and run.snapshot and run.snapshot.nodes or {}) do
          nodes[node.id] = node.state
        end
        return nodes.Interview == 'waiting' and nodes or nil
      ]])
    end)
    T.eq('done', state.Right, 'the typed choice routed the run')
    T.eq('skipped', state.Left == 'pending' and 'skipped' or state.Left)
    T.ok(child.lua([[
      for _, msg in ipairs(_G.notes) do
        if msg:find('answered elsewhere', 1, true) then return true end
      end
      return false
    ]]), 'told that the gate was answered elsewhere')
    child.lua("require('tracker').cancel(_G.run_id)")
  end)
  child.stop()
  assert(ok, err)
end)

T.case('server errors are shown verbatim', function()
  only_window()
  T.notes = {}
  vim.cmd('TrackerCancel 000000000000')
  local note = T.wait('the error', function()
    return T.note_matching('000000000000')
  end)
  T.eq(vim.log.levels.ERROR, note.level)
  T.contains(note.msg, 'no run "000000000000" was started by this server')
end)

T.run()

--- The user commands: :TrackerRun, :TrackerResume, :TrackerCancel, :TrackerRuns,
--- :TrackerSimulate, :TrackerGraph, :TrackerDiagnose, :TrackerGates. Each is a thin call
--- of a protocol command (docs/editor-protocol.md); errors from the server are shown as
--- they come.
local client_mod = require('tracker.client')
local config = require('tracker.config')
local runs = require('tracker.runs')
local runbuf = require('tracker.runbuf')
local view = require('tracker.view')

local M = {}

local function fail(msg)
  client_mod.error(msg)
end

-- ---------------------------------------------------------------- targets

--- What to run: `{ path }` for a file, `{ workflow }` for a built-in name.
local function target_of(arg)
  if not arg or arg == '' then
    local buf = vim.api.nvim_get_current_buf()
    local run_id = runbuf.run_id_of(buf)
    local run = run_id and runs.get(run_id)
    if run and run.snapshot and run.snapshot.uri then
      return { path = vim.uri_to_fname(run.snapshot.uri) }
    end
    local name = vim.api.nvim_buf_get_name(buf)
    if vim.bo[buf].filetype == 'dippin' and name ~= '' then
      return { path = name, buf = buf }
    end
    return nil, 'this buffer is not a .dip file: open a workflow or name one (e.g. :TrackerRun examples/hello.dip)'
  end
  local path = vim.fn.fnamemodify(vim.fn.expand(arg), ':p')
  if vim.fn.filereadable(path) == 1 then
    return { path = path }
  end
  if not arg:find('[/\\]') and not arg:match('%.dip$') then
    return { workflow = arg }
  end
  return nil, 'no such file: ' .. arg
end

--- `cb(client, target)` with `target.uri` set for files (the buffer is loaded so the
--- server has the document, unsaved changes included).
local function with_target(arg, cb)
  local target, err = target_of(arg)
  if not target then
    return fail(err)
  end
  if target.path then
    target.buf = target.buf or client_mod.buffer_for(target.path)
    target.uri = vim.uri_from_bufnr(target.buf)
  end
  client_mod.with_client(target.buf, function(client, why)
    if not client then
      return fail(why)
    end
    cb(client, target)
  end)
end

local function with_run_client(run, cb)
  local client = run and client_mod.by_id(run.client_id) or client_mod.get(vim.api.nvim_get_current_buf())
  if client then
    return cb(client)
  end
  client_mod.with_client(nil, function(found, why)
    if not found then
      return fail(why)
    end
    cb(found)
  end)
end

-- ---------------------------------------------------------------- run

--- `key=value` words are params, the first other word is the file (or built-in name).
function M.parse_run_args(fargs)
  local target, params = nil, {}
  for _, word in ipairs(fargs or {}) do
    local key, value = word:match('^([%w_%.%-]+)=(.*)$')
    if key and not (target == nil and vim.fn.filereadable(vim.fn.expand(word)) == 1) then
      params[key] = value
    elseif target == nil then
      target = word
    else
      return nil, nil, ('unexpected argument %q (use key=value for params)'):format(word)
    end
  end
  return target, params
end

--- Ask for each `{name, default, prompt}` with vim.ui.input; `cb(values)` or `cb(nil)`
--- when a prompt was dismissed. An empty answer keeps the default.
local function ask_each(items, cb)
  local values, i = {}, 0
  local function next_one()
    i = i + 1
    local item = items[i]
    if not item then
      return cb(values)
    end
    vim.ui.input({ prompt = item.prompt, default = item.default }, function(text)
      if text == nil then
        return cb(nil)
      end
      if text ~= '' then
        values[item.name] = text
      end
      vim.schedule(next_one)
    end)
  end
  next_one()
end

--- Declared vars (and inputs, when the server reports them) not given yet.
local function missing_params(report, given)
  local items = {}
  local attrs = type(report) == 'table' and report.graph_attrs or {}
  local names = {}
  for key, _ in pairs(attrs or {}) do
    local name = key:match('^params%.(.+)$')
    if name and given.params[name] == nil then
      names[#names + 1] = name
    end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    items[#items + 1] = { name = name, default = tostring(attrs['params.' .. name] or ''), prompt = ('params.%s = '):format(name), kind = 'params' }
  end
  for _, input in ipairs(type(report) == 'table' and report.inputs or {}) do
    if type(input) == 'table' and input.name and given.inputs[input.name] == nil then
      local hint = input.prompt or input.description
      items[#items + 1] = {
        name = input.name,
        default = input.default and tostring(input.default) or nil,
        prompt = ('inputs.%s%s = '):format(input.name, hint and (' (' .. hint .. ')') or ''),
        kind = 'inputs',
      }
    end
  end
  return items
end

--- Start a run: `opts = { target = path|name, params = {}, inputs = {}, ask = bool,
--- resume = runId, workdir = dir, open = bool }`; `cb(err, result)` when it started.
function M.start(opts, cb)
  cb = cb or function() end
  local function done(err, result)
    if err then
      fail(err)
    end
    cb(err, result)
  end
  with_target(opts.target, function(client, target)
    local ok, why = client_mod.check_protocol(client)
    if not ok then
      return done(why)
    end
    local given = { params = vim.deepcopy(opts.params or {}), inputs = vim.deepcopy(opts.inputs or {}) }
    local function launch()
      local run_opts = config.options.run
      local args = {
        params = next(given.params) and given.params or vim.empty_dict(),
        autoApprove = run_opts.auto_approve or nil,
        workdir = opts.workdir or run_opts.workdir,
        budget = run_opts.budget,
        resume = opts.resume,
      }
      if next(given.inputs) then
        args.inputs = given.inputs
      end
      if target.uri then
        args.uri = target.uri
      else
        args.workflow = target.workflow
      end
      client_mod.execute(client, 'tracker.run', args, function(err, result)
        if err then
          return done(err)
        end
        local run = runs.ensure(result.runId, client.id)
        run.watched = true
        run.notified_end = false
        for _, warning in ipairs(result.warnings or {}) do
          client_mod.notify(warning, vim.log.levels.WARN)
        end
        client_mod.notify(('%s run %s %s'):format(result.workflow or 'workflow', result.runId, result.resumed and 'resumed' or 'started'))
        if opts.open ~= false and config.options.auto_open then
          runbuf.open(run, { enter = false })
        end
        done(nil, result)
      end)
    end
    local ask = opts.ask
    if ask == nil then
      ask = config.options.run.ask_params
    end
    if not ask or not target.uri or opts.resume then
      return launch()
    end
    client_mod.execute(client, 'tracker.simulate', { uri = target.uri }, function(err, report)
      if err then
        return done(err) -- the workflow does not load; the server says why
      end
      local items = missing_params(report, given)
      if #items == 0 then
        return launch()
      end
      ask_each(items, function(values)
        if not values then
          return done('run not started: a parameter prompt was dismissed')
        end
        for _, item in ipairs(items) do
          if values[item.name] ~= nil then
            given[item.kind][item.name] = values[item.name]
          end
        end
        launch()
      end)
    end)
  end)
end

--- :TrackerRun[!] [file] [key=value…] — with ! the declared vars are not asked for.
function M.run(fargs, bang, cb)
  local target, params, err = M.parse_run_args(fargs)
  if err then
    return fail(err)
  end
  local ask = nil -- the `run.ask_params` option
  if bang then
    ask = false
  end
  M.start({ target = target, params = params, ask = ask }, cb)
end

-- ---------------------------------------------------------------- picking runs

--- Run summaries of every running server (`tracker.runs`), merged with the runs this
--- editor knows; `cb(items)`, newest first. Each item carries `client_id`.
function M.collect_runs(cb)
  local clients = client_mod.clients()
  local items, seen = {}, {}
  local waiting = #clients
  local function finish()
    for _, run in ipairs(runs.list()) do
      if not seen[run.id] and run.snapshot then
        local snap = run.snapshot
        items[#items + 1] = {
          runId = run.id,
          workflow = snap.workflow,
          state = snap.state,
          status = snap.status,
          active = snap.active,
          uri = snap.uri,
          workdir = snap.workdir,
          timestamp = snap.startedAt,
          client_id = run.client_id,
        }
      end
    end
    cb(items)
  end
  if waiting == 0 then
    return finish()
  end
  for _, client in ipairs(clients) do
    client_mod.execute(client, 'tracker.runs', vim.empty_dict(), function(err, result)
      if err then
        client_mod.error(err)
      else
        for _, item in ipairs(result or {}) do
          if not seen[item.runId] then
            seen[item.runId] = true
            item.client_id = client.id
            local known = runs.get(item.runId)
            if known and known.snapshot then
              item.workflow = item.workflow or known.snapshot.workflow
              item.uri = item.uri or known.snapshot.uri
            end
            items[#items + 1] = item
          end
        end
      end
      waiting = waiting - 1
      if waiting == 0 then
        finish()
      end
    end)
  end
end

local STATE_ICON = {
  running = 'running',
  starting = 'running',
  succeeded = 'done',
  failed = 'failed',
  canceled = 'skipped',
  paused = 'waiting',
}

function M.format_run(item)
  local icon = config.options.icons[STATE_ICON[item.state or ''] or 'pending'] or '·'
  local gates = type(item.pendingGates) == 'table' and #item.pendingGates > 0 and ('  (%d gate(s) waiting)'):format(#item.pendingGates) or ''
  return ('%s %-10s %-20s %s  %s%s'):format(
    icon,
    item.state or item.status or '?',
    item.workflow or '',
    item.runId,
    item.timestamp or '',
    gates
  )
end

--- `cb(item)` with a run chosen with vim.ui.select among `items` (at once when only one).
local function pick(items, prompt, cb)
  if #items == 0 then
    return client_mod.notify('no runs to choose from')
  end
  if #items == 1 then
    return cb(items[1])
  end
  vim.ui.select(items, { prompt = prompt, kind = 'tracker.run', format_item = M.format_run }, function(item)
    if item then
      cb(item)
    end
  end)
end

local function read_activity(run, run_dir)
  local path = run_dir and (run_dir .. '/activity.jsonl')
  if not path or vim.fn.filereadable(path) == 0 then
    return
  end
  local lines = vim.fn.readfile(path, '', -config.options.max_log_lines)
  for _, line in ipairs(lines) do
    local ok, event = pcall(vim.json.decode, line, { luanil = { object = true, array = true } })
    if ok and type(event) == 'table' then
      runs.add_event(run, nil, event)
    end
  end
end

--- Open the run buffer of `run_id` with its current state (and its events).
function M.open_run(run_id, client, opts, cb)
  opts = opts or {}
  local args = { runId = run_id, includeEvents = true, workdir = opts.workdir }
  client_mod.execute(client, 'tracker.runState', args, function(err, snapshot)
    if err then
      fail(err)
      return cb and cb(err)
    end
    local run = runs.ensure(snapshot.runId, client.id)
    local fresh = run.tail == 0
    runs.set_snapshot(run, snapshot)
    if type(snapshot.events) == 'table' then
      for _, item in ipairs(snapshot.events) do
        runs.add_event(run, item.seq, item.event)
      end
    elseif fresh then
      read_activity(run, snapshot.runDir)
    end
    require('tracker.gates').sync(run, snapshot.pendingGates or {})
    runbuf.open(run, { enter = opts.enter })
    runbuf.schedule(run)
    if cb then
      cb(nil, run)
    end
  end)
end

--- :TrackerRuns — pick a run (active and past, newest first) and open its buffer.
function M.runs(cb)
  if #client_mod.clients() == 0 and #runs.list() == 0 then
    return fail('no tracker language server is running: open a .dip file first')
  end
  M.collect_runs(function(items)
    if #items == 0 then
      return client_mod.notify('no runs yet: :TrackerRun starts one')
    end
    vim.ui.select(items, { prompt = 'Tracker runs', kind = 'tracker.run', format_item = M.format_run }, function(item)
      if not item then
        return
      end
      local client = client_mod.by_id(item.client_id) or client_mod.get()
      if not client then
        return fail('the tracker language server is not running')
      end
      M.open_run(item.runId, client, { workdir = item.workdir }, cb)
    end)
  end)
end

--- The run named by `arg` (an ID or prefix), else the run of the current run buffer;
--- else `choose(items)` among the runs `filter` accepts.
local function resolve_run(arg, filter, prompt, cb)
  if arg and arg ~= '' then
    local known = runs.find(arg)
    return cb({ runId = known and known.id or arg, client_id = known and known.client_id })
  end
  local here = runbuf.run_id_of(vim.api.nvim_get_current_buf())
  if here then
    local run = runs.get(here)
    return cb({ runId = here, client_id = run and run.client_id })
  end
  M.collect_runs(function(items)
    local chosen = vim.tbl_filter(filter, items)
    if #chosen == 0 then
      return client_mod.notify('no matching run')
    end
    pick(chosen, prompt, cb)
  end)
end

--- :TrackerCancel [run]
function M.cancel(fargs, cb)
  resolve_run(fargs and fargs[1], function(item)
    return item.active == true
  end, 'Cancel which run?', function(item)
    local run = runs.get(item.runId)
    with_run_client(run or { client_id = item.client_id }, function(client)
      client_mod.execute(client, 'tracker.cancel', { runId = item.runId }, function(err, result)
        if err then
          fail(err)
          return cb and cb(err)
        end
        local text = ('run %s %s'):format(result.runId, result.state or 'canceled')
        if result.resumable then
          text = text .. (' — checkpoint saved; :TrackerResume %s continues it'):format(result.runId)
        end
        client_mod.notify(text, vim.log.levels.WARN)
        if cb then
          cb(nil, result)
        end
      end)
    end)
  end)
end

--- :TrackerResume [run] — continue a canceled or failed run from its checkpoint.
function M.resume(fargs, cb)
  resolve_run(fargs and fargs[1], function(item)
    return item.active ~= true and item.state ~= 'succeeded'
  end, 'Resume which run?', function(item)
    local run = runs.get(item.runId)
    local uri = item.uri or (run and run.snapshot and run.snapshot.uri)
    local target
    if uri then
      target = vim.uri_to_fname(uri)
    else
      local buf = vim.api.nvim_get_current_buf()
      if vim.bo[buf].filetype ~= 'dippin' then
        return fail(('the workflow file of run %s is not known: open it and run :TrackerResume %s there'):format(item.runId, item.runId))
      end
      target = vim.api.nvim_buf_get_name(buf)
    end
    if run then
      run.last_seq = 0 -- a resumed run may come from another server, which counts from 1
    end
    local workdir = item.workdir or (run and run.snapshot and run.snapshot.workdir)
    M.start({ target = target, resume = item.runId, workdir = workdir, ask = false }, cb)
  end)
end

--- :TrackerDiagnose [run]
function M.diagnose(fargs, cb)
  resolve_run(fargs and fargs[1], function(item)
    return item.active ~= true
  end, 'Diagnose which run?', function(item)
    local run = runs.get(item.runId)
    with_run_client(run or { client_id = item.client_id }, function(client)
      local args = { runId = item.runId, workdir = item.workdir }
      client_mod.execute(client, 'tracker.diagnose', args, function(err, report)
        if err then
          fail(err)
          return cb and cb(err)
        end
        local buf = view.show('diagnose/' .. (report.run_id or item.runId), view.diagnose_lines(report), 'trackerreport')
        if cb then
          cb(nil, buf)
        end
      end)
    end)
  end)
end

-- ---------------------------------------------------------------- workflow views

--- :TrackerSimulate [file]
function M.simulate(fargs, cb)
  with_target(fargs and fargs[1], function(client, target)
    if not target.uri then
      return fail('simulate needs a .dip file')
    end
    client_mod.execute(client, 'tracker.simulate', { uri = target.uri }, function(err, report)
      if err then
        fail(err)
        return cb and cb(err)
      end
      local buf = view.show('simulate/' .. (report.name or 'workflow'), view.simulate_lines(report), 'trackerreport')
      if cb then
        cb(nil, buf)
      end
    end)
  end)
end

--- :TrackerGraph [file] [text|mermaid|dot]
function M.graph(fargs, cb)
  local file, kind = nil, 'text'
  for _, word in ipairs(fargs or {}) do
    if word == 'mermaid' or word == 'dot' or word == 'text' then
      kind = word
    else
      file = word
    end
  end
  with_target(file, function(client, target)
    if not target.uri then
      return fail('graph needs a .dip file')
    end
    local command = kind == 'text' and 'tracker.simulate' or 'tracker.graph'
    client_mod.execute(client, command, { uri = target.uri }, function(err, result)
      if err then
        fail(err)
        return cb and cb(err)
      end
      local lines, ft
      if kind == 'text' then
        lines = view.graph_lines(result)
        ft = 'trackerreport'
      else
        lines = vim.split(result[kind] or '', '\n', { plain = true })
        ft = kind
      end
      local name = result.name and result.name ~= '' and result.name or vim.fn.fnamemodify(target.path or 'workflow', ':t:r')
      local buf = view.show(('graph/%s.%s'):format(name, kind == 'text' and 'txt' or kind), lines, ft)
      if cb then
        cb(nil, buf)
      end
    end)
  end)
end

--- :TrackerGates [run]
function M.gates(fargs, cb)
  local run_id = fargs and fargs[1]
  if run_id and run_id ~= '' then
    run_id = (runs.find(run_id) or { id = run_id }).id
  else
    run_id = runbuf.run_id_of(vim.api.nvim_get_current_buf())
  end
  require('tracker.gates').reopen(run_id, cb)
end

--- <CR> in a run buffer: jump to the declaration of the node under the cursor.
function M.goto_node(buf)
  local node = runbuf.node_at(buf, vim.api.nvim_win_get_cursor(0)[1])
  local run = runs.get(runbuf.run_id_of(buf) or '')
  local uri = run and run.snapshot and run.snapshot.uri
  if not node or not uri then
    return
  end
  node = node:match('^[^/]+') -- a child node of a subgraph: its parent
  local path = vim.uri_to_fname(uri)
  local file_buf = client_mod.buffer_for(path)
  client_mod.with_client(file_buf, function(client, why)
    if not client then
      return fail(why)
    end
    local params = { textDocument = { uri = vim.uri_from_bufnr(file_buf) } }
    client:request('textDocument/documentSymbol', params, function(err, symbols)
      if err or type(symbols) ~= 'table' then
        return fail(err and err.message or 'no symbols')
      end
      local function find(list)
        for _, symbol in ipairs(list) do
          if symbol.name == node and symbol.selectionRange then
            return symbol
          end
          local inner = symbol.children and find(symbol.children)
          if inner then
            return inner
          end
        end
      end
      local symbol = find(symbols)
      if not symbol then
        return fail(('node %s is not declared in %s'):format(node, vim.fn.fnamemodify(path, ':~:.')))
      end
      local target_win = vim.fn.win_findbuf(file_buf)[1]
      if target_win then
        vim.api.nvim_set_current_win(target_win)
      elseif vim.fn.winnr('$') > 1 then
        vim.cmd.wincmd('p')
        if vim.api.nvim_get_current_buf() == buf then
          vim.cmd('aboveleft split')
        end
      else
        vim.cmd('aboveleft split')
      end
      vim.lsp.util.show_document({ uri = params.textDocument.uri, range = symbol.selectionRange }, client.offset_encoding, { focus = true })
    end, file_buf)
  end)
end

-- ---------------------------------------------------------------- completion

function M.complete_runs(lead)
  local out = {}
  for _, run in ipairs(runs.list()) do
    if vim.startswith(run.id, lead) then
      out[#out + 1] = run.id
    end
  end
  return out
end

function M.complete_file(lead)
  local out = {}
  for _, item in ipairs(vim.fn.getcompletion(lead, 'file')) do
    if item:sub(-1) == '/' or item:match('%.dip$') then
      out[#out + 1] = item
    end
  end
  return out
end

function M.complete_graph(lead)
  local out = M.complete_file(lead)
  for _, kind in ipairs({ 'text', 'mermaid', 'dot' }) do
    if vim.startswith(kind, lead) then
      out[#out + 1] = kind
    end
  end
  return out
end

return M

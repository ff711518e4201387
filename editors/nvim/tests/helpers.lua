-- Test helpers for specs run in headless Neovim (`nvim --headless -l spec.lua`):
-- named cases, waits on the event loop, assertions, and a scripted vim.ui.
--
-- Results go to $TRACKER_NVIM_RESULTS (one JSON object per line: name, ok, message,
-- data) and a summary to stdout; the exit code is 0 only when every case passed.
local T = {}

local cases = {}
T.data = {}

function T.case(name, fn)
  cases[#cases + 1] = { name = name, fn = fn }
end

local function fail(msg, level)
  error(msg, (level or 1) + 1)
end

function T.ok(value, msg)
  if not value then
    fail(msg or 'expected a true value', 2)
  end
  return value
end

function T.eq(expected, actual, msg)
  if not vim.deep_equal(expected, actual) then
    fail(('%s\nexpected: %s\nactual:   %s'):format(msg or 'values differ', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function T.contains(haystack, needle, msg)
  if type(haystack) == 'table' then
    haystack = table.concat(haystack, '\n')
  end
  if not tostring(haystack):find(needle, 1, true) then
    fail(('%s\n%q not found in:\n%s'):format(msg or 'text missing', needle, tostring(haystack)), 2)
  end
end

--- Wait until `pred()` returns a truthy value (returned), processing events; fail after
--- `timeout_ms` with `what`.
function T.wait(what, pred, timeout_ms)
  local value
  local ok = vim.wait(timeout_ms or 20000, function()
    value = pred()
    return value ~= nil and value ~= false
  end, 10)
  if not ok then
    fail('timed out waiting for ' .. what, 2)
  end
  return value
end

--- Let pending callbacks run for `ms`.
function T.settle(ms)
  vim.wait(ms or 50, function()
    return false
  end, 5)
end

-- ------------------------------------------------------------------- scripted vim.ui

--- Replace vim.ui.select / vim.ui.input by scripted answerers — the seam pickers use.
--- `T.ui.answer(fn)` queues an answerer: fn(kind, items_or_nil, opts) returns the answer
--- (an item, a text, or nil to dismiss); `T.ui.HOLD` keeps the prompt open (returns a
--- function that answers later). Every call is recorded in `T.ui.calls`.
T.ui = { calls = {}, queue = {}, HOLD = {} }

local function answer_with(kind, items, opts, on_done)
  local call = { kind = kind, items = items and vim.deepcopy(items) or nil, prompt = opts and opts.prompt, default = opts and opts.default }
  if items and opts and opts.format_item then
    call.formatted = vim.tbl_map(opts.format_item, items)
  end
  table.insert(T.ui.calls, call)
  local answerer = table.remove(T.ui.queue, 1)
  if not answerer then
    call.unanswered = true
    call.finish = function(value)
      on_done(value)
    end
    return
  end
  local value = answerer(kind, items, opts or {}, call)
  if value == T.ui.HOLD then
    call.finish = function(v)
      on_done(v)
    end
    return
  end
  -- answer later, as a picker would
  vim.defer_fn(function()
    on_done(value)
  end, 5)
end

function T.ui.install()
  vim.ui.select = function(items, opts, on_choice)
    answer_with('select', items, opts, on_choice)
  end
  vim.ui.input = function(opts, on_confirm)
    answer_with('input', nil, opts, on_confirm)
  end
end

function T.ui.answer(fn)
  table.insert(T.ui.queue, fn)
end

--- Queue a select answer: the item equal to `choice`.
function T.ui.choose(choice)
  T.ui.answer(function(kind, items)
    assert(kind == 'select', 'expected a vim.ui.select, got ' .. kind)
    for _, item in ipairs(items) do
      if item == choice then
        return item
      end
    end
    error(('%q is not among %s'):format(choice, vim.inspect(items)))
  end)
end

--- Queue an input answer.
function T.ui.type(text)
  T.ui.answer(function(kind)
    assert(kind == 'input', 'expected a vim.ui.input, got ' .. kind)
    return text
  end)
end

function T.ui.dismiss()
  T.ui.answer(function()
    return nil
  end)
end

function T.ui.reset()
  T.ui.calls = {}
  T.ui.queue = {}
end

-- ------------------------------------------------------------------- buffers

function T.lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

function T.text(buf)
  return table.concat(T.lines(buf), '\n')
end

--- The tracker client attached to `buf` once initialized.
function T.client(buf, timeout_ms)
  return T.wait('the tracker client to attach', function()
    local client = vim.lsp.get_clients({ name = 'tracker', bufnr = buf })[1]
    return client and client.initialized and client or nil
  end, timeout_ms or 30000)
end

--- Notifications shown with vim.notify, recorded.
T.notes = {}
function T.capture_notify()
  vim.notify = function(msg, level)
    table.insert(T.notes, { msg = msg, level = level })
  end
end

function T.note_matching(needle)
  for _, note in ipairs(T.notes) do
    if tostring(note.msg):find(needle, 1, true) then
      return note
    end
  end
end

-- ------------------------------------------------------------------- workspace

T.here = vim.fs.dirname(vim.fs.abspath(debug.getinfo(1, 'S').source:sub(2)))
T.fixtures = T.here .. '/fixtures'
T.repo = vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(T.here)))
T.examples = T.repo .. '/examples'

--- A fresh workspace folder (marked with .tracker/ so it is the LSP root) holding copies of
--- `files` (names in tests/fixtures, or `examples/<name>`); the current directory.
function T.workspace(files)
  local dir = vim.env.TRACKER_NVIM_WORKSPACE or vim.fn.tempname()
  dir = dir .. '/ws-' .. tostring(vim.uv.hrtime())
  vim.fn.mkdir(dir .. '/.tracker', 'p')
  for _, name in ipairs(files or {}) do
    local source = vim.startswith(name, 'examples/') and (T.repo .. '/' .. name) or (T.fixtures .. '/' .. name)
    local target = dir .. '/' .. vim.fs.basename(name)
    vim.fn.writefile(vim.fn.readfile(source, 'b'), target, 'b')
  end
  vim.fn.chdir(dir)
  return dir
end

-- ------------------------------------------------------------------- a child Neovim

--- Another Neovim with this plugin, driven over RPC like a user at a keyboard: keys sent
--- with `input` go through its main loop (insert mode, autocompletion, mappings).
function T.child()
  local chan = vim.fn.jobstart({
    vim.v.progpath,
    '--embed',
    '--headless',
    '--clean',
    '--cmd',
    'luafile ' .. vim.fn.fnameescape(T.here .. '/minimal_init.lua'),
  }, { rpc = true, cwd = vim.fn.getcwd() })
  assert(chan > 0, 'could not start a child nvim')
  local child = { chan = chan }
  function child.lua(code, ...)
    local result = vim.rpcrequest(chan, 'nvim_exec_lua', code, { ... })
    if result == vim.NIL then
      return nil
    end
    return result
  end
  function child.input(keys)
    return vim.rpcrequest(chan, 'nvim_input', keys)
  end
  function child.cmd(command)
    return vim.rpcrequest(chan, 'nvim_command', command)
  end
  function child.stop()
    pcall(child.lua, 'for _, c in ipairs(vim.lsp.get_clients()) do c:stop(true) end')
    vim.fn.jobstop(chan)
  end
  return child
end

-- ------------------------------------------------------------------- running

function T.run()
  local only = vim.env.TRACKER_NVIM_CASES and vim.split(vim.env.TRACKER_NVIM_CASES, '|', { plain = true }) or nil
  local out = vim.env.TRACKER_NVIM_RESULTS and io.open(vim.env.TRACKER_NVIM_RESULTS, 'w') or nil
  local failed = 0
  for _, case in ipairs(cases) do
    if not only or vim.tbl_contains(only, case.name) then
      T.data = {}
      local started = vim.uv.hrtime()
      local ok, err = xpcall(case.fn, debug.traceback)
      local ms = (vim.uv.hrtime() - started) / 1e6
      if not ok then
        failed = failed + 1
      end
      local record = { name = case.name, ok = ok, message = ok and '' or tostring(err), ms = ms, data = T.data }
      if out then
        out:write(vim.json.encode(record), '\n')
        out:flush()
      end
      io.stdout:write(('%s %s (%.0f ms)\n'):format(ok and 'ok  ' or 'FAIL', case.name, ms))
      if not ok then
        io.stdout:write(tostring(err), '\n')
      end
    end
  end
  if out then
    out:close()
  end
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop(true)
  end
  vim.wait(500, function()
    return #vim.lsp.get_clients() == 0
  end, 20)
  os.exit(failed == 0 and 0 or 1)
end

return T

-- Authoring in a real Neovim against the real tracker-lsp: filetype, attach,
-- diagnostics, quick fixes, completion, hover, definition, rename, formatting, symbols,
-- semantic tokens.
--
--   nvim --headless --clean --cmd 'luafile editors/nvim/tests/minimal_init.lua' -l editors/nvim/tests/lsp_spec.lua
local T = dofile(vim.fs.dirname(vim.fs.abspath(debug.getinfo(1, 'S').source:sub(2))) .. '/helpers.lua')

local ws = T.workspace({ 'review.dip', 'broken.dip' })
T.capture_notify()

local function edit(name)
  vim.cmd('edit! ' .. vim.fn.fnameescape(ws .. '/' .. name))
  return vim.api.nvim_get_current_buf()
end

local function find_line(buf, needle)
  for i, line in ipairs(T.lines(buf)) do
    if line:find(needle, 1, true) then
      return i, line
    end
  end
  error('no line with ' .. needle)
end

T.case('a .dip file gets the dippin filetype, syntax and buffer options', function()
  local buf = edit('review.dip')
  T.eq('dippin', vim.bo[buf].filetype)
  T.eq('dippin', vim.b[buf].current_syntax)
  T.eq('# %s', vim.bo[buf].commentstring)
  T.eq(2, vim.bo[buf].shiftwidth)
  T.ok(vim.bo[buf].expandtab, 'expandtab')
  T.eq('expr', vim.wo.foldmethod)
  -- a node header opens a block: the next line is indented one level deeper
  local header = find_line(buf, 'agent Summarize')
  T.eq(4, require('tracker.indent').get(header + 1))
  local section = find_line(buf, '  edges')
  T.eq(4, require('tracker.indent').get(section + 1))
  -- the syntax names node kinds and keys
  local row = find_line(buf, 'tool Collect')
  local group = vim.fn.synIDattr(vim.fn.synID(row, 3, 1), 'name')
  T.eq('dippinKind', group)
end)

T.case('the tracker client attaches with the run protocol', function()
  local buf = edit('review.dip')
  local client = T.client(buf)
  T.eq('tracker', client.name)
  T.eq('tracker-lsp', client.server_info.name)
  T.eq(1, client.server_capabilities.experimental.tracker.protocolVersion)
  T.eq(vim.fs.normalize(vim.uv.fs_realpath(ws)), vim.fs.normalize(vim.uv.fs_realpath(client.root_dir)))
  T.ok(require('tracker.client').check_protocol(client))
  T.ok(vim.lsp.semantic_tokens ~= nil and client.server_capabilities.semanticTokensProvider ~= nil, 'semantic tokens offered')
end)

T.case('a mistake gets its diagnostic at the right line', function()
  local started = vim.uv.hrtime()
  local buf = edit('broken.dip')
  local diag = T.wait('DIP003 on broken.dip', function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'DIP003' then
        return d
      end
    end
  end)
  T.data.ms_to_diagnostics = (vim.uv.hrtime() - started) / 1e6
  local row = find_line(buf, 'Summarize -> Dnoe')
  T.eq(row - 1, diag.lnum, 'diagnostic line (0-based)')
  T.eq(17, diag.col, 'diagnostic column (0-based)')
  T.eq(vim.diagnostic.severity.ERROR, diag.severity)
  T.contains(diag.message, 'Dnoe')
  T.eq('tracker', vim.diagnostic.get_namespace(diag.namespace).name:match('tracker') and 'tracker' or vim.diagnostic.get_namespace(diag.namespace).name)
end)

T.case('the quick fix of a diagnostic is applied as a code action', function()
  local buf = edit('broken.dip')
  local row = find_line(buf, 'Summarize -> Dnoe')
  T.wait('diagnostics', function()
    return #vim.diagnostic.get(buf, { lnum = row - 1 }) > 0
  end)
  vim.api.nvim_win_set_cursor(0, { row, 18 })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.title == 'Change target to "Done"'
    end,
  })
  T.wait('the edge to be fixed', function()
    return T.lines(buf)[row] == '    Summarize -> Done'
  end)
  T.wait('DIP003 to go away', function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'DIP003' then
        return false
      end
    end
    return true
  end)
  vim.cmd('silent! undo')
end)

T.case('completion after ${ctx. offers the upstream keys', function()
  local buf = edit('review.dip')
  local client = T.client(buf)
  local row, line = find_line(buf, 'prompt: "Summarize ${ctx.tool_stdout}"')
  local cut = line:find('tool_stdout', 1, true) - 1
  vim.api.nvim_buf_set_lines(buf, row - 1, row, false, { line:sub(1, cut) })
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = row - 1, character = cut },
    context = { triggerKind = 2, triggerCharacter = '.' },
  }
  local labels
  T.wait('completion items', function()
    local response = client:request_sync('textDocument/completion', params, 5000, buf)
    local result = response and response.result
    local items = result and (result.items or result) or {}
    labels = vim.tbl_map(function(item)
      return item.label
    end, items)
    return vim.tbl_contains(labels, 'tool_stdout') and vim.tbl_contains(labels, 'diff_summary')
  end, 15000)
  T.ok(vim.tbl_contains(labels, 'tool_stderr'), 'tool keys of Collect: ' .. vim.inspect(labels))
  vim.cmd('silent! undo')
end)

T.case('built-in completion (vim.lsp.completion) pops up after typing ${ctx.', function()
  local child = T.child()
  local ok, err = pcall(function()
    child.cmd('edit ' .. vim.fn.fnameescape(ws .. '/review.dip'))
    T.wait('the child client', function()
      return child.lua([[
        local c = vim.lsp.get_clients({ name = 'tracker', bufnr = 0 })[1]
        return c ~= nil and c.initialized == true
      ]])
    end, 30000)
    local row = child.lua([[
      for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
        if line:find('${ctx.tool_stdout}', 1, true) then
          vim.api.nvim_buf_set_lines(0, i - 1, i, false, { '    prompt: "Summarize ${ctx' })
          vim.api.nvim_win_set_cursor(0, { i, 0 })
          return i
        end
      end
    ]])
    T.ok(row, 'the prompt line')
    child.input('A.')
    local words = T.wait('the completion menu', function()
      local info = child.lua([[
        if vim.fn.pumvisible() == 0 then return nil end
        -- the inserted word closes the interpolation: "tool_stdout}"
        return vim.tbl_map(function(item) return (item.word:gsub('}$', '')) end, vim.fn.complete_info({ 'items' }).items)
      ]])
      return type(info) == 'table' and #info > 0 and info or nil
    end, 15000)
    T.ok(vim.tbl_contains(words, 'tool_stdout'), 'tool_stdout in ' .. vim.inspect(words))
    T.ok(vim.tbl_contains(words, 'diff_summary'), 'diff_summary in ' .. vim.inspect(words))
    child.input('<C-y><Esc>')
    T.wait('the accepted item', function()
      local line = child.lua('return vim.api.nvim_get_current_line()')
      return line:find('${ctx.', 1, true) and not line:match('%${ctx%.$')
    end)
  end)
  child.stop()
  assert(ok, err)
end)

T.case('hover on a node ID shows its kind and label', function()
  local buf = edit('review.dip')
  T.client(buf)
  local row, line = find_line(buf, 'Collect -> Summarize')
  vim.api.nvim_win_set_cursor(0, { row, (line:find('Collect', 1, true)) })
  local before = #vim.api.nvim_list_wins()
  vim.lsp.buf.hover()
  local float = T.wait('the hover window', function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        return win
      end
    end
  end)
  T.ok(#vim.api.nvim_list_wins() > before)
  local text = T.text(vim.api.nvim_win_get_buf(float))
  T.contains(text, 'Collect the diff')
  T.contains(text, 'tool')
  vim.api.nvim_win_close(float, true)
end)

T.case('go to definition jumps to the node declaration', function()
  local buf = edit('review.dip')
  T.client(buf)
  local row, line = find_line(buf, 'Summarize -> Done')
  vim.api.nvim_win_set_cursor(0, { row, (line:find('Summarize', 1, true)) })
  vim.lsp.buf.definition()
  local declaration = find_line(buf, 'agent Summarize')
  T.wait('the cursor on the declaration', function()
    return vim.api.nvim_win_get_cursor(0)[1] == declaration
  end)
  T.eq(#'  agent ', vim.api.nvim_win_get_cursor(0)[2])
end)

T.case('rename changes a node ID everywhere', function()
  local buf = edit('review.dip')
  T.client(buf)
  local row, line = find_line(buf, 'tool Collect')
  vim.api.nvim_win_set_cursor(0, { row, (line:find('Collect', 1, true)) })
  vim.lsp.buf.rename('Gather')
  T.wait('the rename', function()
    local text = T.text(buf)
    return text:find('tool Gather', 1, true) and text:find('Start -> Gather', 1, true) and text:find('Gather -> Summarize', 1, true)
  end)
  T.ok(not T.text(buf):find('Collect -> ', 1, true), 'no edge from Collect left')
end)

T.case('formatting writes the canonical form', function()
  local buf = edit('review.dip')
  T.client(buf)
  local row = find_line(buf, 'label: "Start"')
  vim.api.nvim_buf_set_lines(buf, row - 1, row, false, { '    label:      "Start"' })
  vim.lsp.buf.format({ name = 'tracker', timeout_ms = 10000 })
  T.eq('    label: Start', T.lines(buf)[row])
end)

T.case('document symbols list the workflow and its nodes', function()
  local buf = edit('review.dip')
  local client = T.client(buf)
  local response = client:request_sync('textDocument/documentSymbol', { textDocument = { uri = vim.uri_from_bufnr(buf) } }, 10000, buf)
  local names = {}
  local function walk(list)
    for _, symbol in ipairs(list or {}) do
      names[#names + 1] = symbol.name
      walk(symbol.children)
    end
  end
  walk(response.result)
  for _, name in ipairs({ 'Review', 'Start', 'Collect', 'Summarize', 'Done', 'Collect -> Summarize' }) do
    T.ok(vim.tbl_contains(names, name), name .. ' in ' .. vim.inspect(names))
  end
end)

T.case('semantic tokens mark node kinds and IDs', function()
  local buf = edit('review.dip')
  T.client(buf)
  local row = find_line(buf, 'tool Collect')
  local function token_types(col)
    local out = {}
    for _, token in ipairs(vim.lsp.semantic_tokens.get_at_pos(buf, row - 1, col) or {}) do
      out[#out + 1] = token.type
    end
    return out
  end
  T.wait('semantic tokens', function()
    return #token_types(2) > 0
  end, 15000)
  T.eq({ 'keyword' }, token_types(2))
  T.eq({ 'class' }, token_types(7))
end)

T.case('folds come from the server once attached', function()
  local buf = edit('review.dip')
  T.client(buf)
  T.ok(vim.b[buf].tracker_lsp_folds, 'switched to the server folds')
  local row = find_line(buf, 'tool Collect')
  T.wait('a fold at the node', function()
    return vim.fn.foldlevel(row + 1) > 0
  end)
end)

T.case(':help tracker opens the plugin help', function()
  local docs = vim.fn.tempname() .. '/help'
  vim.fn.mkdir(docs .. '/doc', 'p')
  vim.fn.writefile(vim.fn.readfile(T.here .. '/../doc/tracker.txt', 'b'), docs .. '/doc/tracker.txt', 'b')
  vim.cmd('helptags ' .. vim.fn.fnameescape(docs .. '/doc'))
  vim.opt.runtimepath:append(docs)
  for _, tag in ipairs({ 'tracker', 'tracker-gates', ':TrackerRun', 'tracker.setup()', 'tracker-interview-form' }) do
    vim.cmd('help ' .. tag)
    T.ok(vim.api.nvim_buf_get_name(0):match('tracker%.txt$'), tag)
    vim.cmd('helpclose')
  end
end)

T.run()

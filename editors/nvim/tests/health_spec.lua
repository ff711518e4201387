-- :checkhealth tracker, with the server installed and without it.
--
--   nvim --headless --clean --cmd 'luafile editors/nvim/tests/minimal_init.lua' -l editors/nvim/tests/health_spec.lua
-- The "missing" case expects a PATH on which neither tracker-lsp nor a Python with
-- tracker can be found (the pytest wrapper arranges that).
local T = dofile(vim.fs.dirname(vim.fs.abspath(debug.getinfo(1, 'S').source:sub(2))) .. '/helpers.lua')

T.workspace({})

local function checkhealth()
  vim.cmd('checkhealth tracker')
  local lines = T.lines(vim.api.nvim_get_current_buf())
  vim.cmd('silent! tabclose')
  return table.concat(lines, '\n')
end

T.case('checkhealth reports OK with the server installed', function()
  local secret = 'sk-test-value-never-shown'
  vim.env.ANTHROPIC_API_KEY = secret
  vim.env.OPENAI_API_KEY = nil
  local text = checkhealth()
  T.data.report = text
  T.contains(text, 'tracker: Neovim')
  T.contains(text, ('OK Neovim %d.%d'):format(vim.version().major, vim.version().minor))
  T.contains(text, 'OK server command: tracker-lsp')
  T.contains(text, 'OK server tracker-lsp ')
  T.contains(text, 'OK run protocol version 1 (supported)')
  T.contains(text, 'OK *.dip files get the filetype dippin')
  T.contains(text, 'OK set: ANTHROPIC_API_KEY')
  T.contains(text, 'not set: OPENAI_API_KEY')
  T.ok(not text:find(secret, 1, true), 'a key value appears in the report')
  T.ok(not text:find('ERROR', 1, true), 'no error expected:\n' .. text)
end)

T.case('checkhealth reports a clear error when the server is missing', function()
  local text = checkhealth()
  T.data.report = text
  T.contains(text, 'ERROR tracker-lsp not found')
  T.contains(text, 'pip install tracker')
  T.contains(text, 'setup({ server = { cmd =')
  -- the rest of the report is still there
  T.contains(text, 'OK *.dip files get the filetype dippin')
end)

T.case('opening a .dip file without a server says how to fix it', function()
  T.capture_notify()
  local dir = vim.fn.getcwd()
  vim.fn.writefile({ 'workflow Empty', '  start: A', '  exit: A', '', '  agent A' }, dir .. '/empty.dip')
  vim.cmd.edit('empty.dip')
  T.eq('dippin', vim.bo.filetype)
  local note = T.wait('the warning', function()
    return T.note_matching('language server was not found')
  end)
  T.contains(note.msg, ':checkhealth tracker')
  T.eq(0, #vim.lsp.get_clients({ name = 'tracker' }))
end)

T.run()

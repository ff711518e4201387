--- tracker.nvim: Dippin (.dip) editing and pipeline runs through `tracker-lsp`.
---
--- `require('tracker').setup(opts)` is optional; see `:help tracker-options`.
local config = require('tracker.config')

local M = {}

local warned_missing = false
local lsp_enabled = false

--- Apply options (all optional). May be called again to change them.
function M.setup(opts)
  config.set(opts)
  if package.loaded['vim.lsp'] then
    -- re-read lsp/tracker.lua (server command, settings) on the next start
    vim.lsp.config('tracker', {})
  end
  if config.options.lsp then
    if vim.g.tracker_filetype_seen then
      M.enable()
    end
  elseif lsp_enabled then
    vim.lsp.enable('tracker', false)
    lsp_enabled = false
  end
end

local function register_client_commands()
  -- Code lenses "▶ Run" and "Simulate" run these on the client side.
  vim.lsp.commands['tracker.run'] = function(command)
    local arg = command.arguments and command.arguments[1] or {}
    require('tracker.commands').start({ target = arg.uri and vim.uri_to_fname(arg.uri) or nil })
  end
  vim.lsp.commands['tracker.simulate'] = function(command)
    local arg = command.arguments and command.arguments[1] or {}
    require('tracker.commands').simulate({ arg.uri and vim.uri_to_fname(arg.uri) or nil })
  end
end

--- Enable the `tracker` LSP config (vim.lsp.enable) and attach it to dippin buffers that
--- are already open.
function M.enable()
  if lsp_enabled or not config.options.lsp then
    return
  end
  lsp_enabled = true
  register_client_commands()
  vim.lsp.enable('tracker')
  if vim.v.vim_did_enter == 0 then
    -- before VimEnter vim.lsp.enable leaves existing buffers alone
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'dippin' then
        vim.api.nvim_exec_autocmds('FileType', { group = 'nvim.lsp.enable', buffer = buf, modeline = false })
      end
    end
  end
  if not warned_missing and not config.server_available() then
    warned_missing = true
    vim.schedule(function()
      require('tracker.client').notify(
        ('the Dippin language server was not found (%s); install tracker (pip install tracker) or set setup({ server = { cmd = … } }) — :checkhealth tracker'):format(
          config.server_cmd()[1]
        ),
        vim.log.levels.WARN
      )
    end)
  end
end

local function has_module(path)
  return #vim.api.nvim_get_runtime_file(path, false) > 0
end

local function use_builtin_completion()
  local mode = config.options.completion
  if mode == 'auto' then
    return not (has_module('lua/cmp/init.lua') or has_module('lua/blink/cmp/init.lua'))
  end
  return mode == true
end

local ACTIONS = {
  run = function()
    require('tracker.commands').run({})
  end,
  simulate = function()
    require('tracker.commands').simulate({})
  end,
  graph = function()
    require('tracker.commands').graph({})
  end,
  runs = function()
    require('tracker.commands').runs()
  end,
  cancel = function()
    require('tracker.commands').cancel({})
  end,
  gates = function()
    require('tracker.commands').gates({})
  end,
  format = function()
    vim.lsp.buf.format({ name = 'tracker' })
  end,
  codelens = function()
    vim.lsp.codelens.run()
  end,
}

--- LspAttach of the `tracker` client to a buffer.
function M.on_attach(client, buf)
  if use_builtin_completion() and client:supports_method('textDocument/completion') then
    vim.lsp.completion.enable(true, client.id, buf, { autotrigger = true })
  end
  if client:supports_method('textDocument/foldingRange') then
    require('tracker.fold').use_lsp(buf)
  end
  if config.options.codelens and client:supports_method('textDocument/codeLens') then
    vim.lsp.codelens.refresh({ bufnr = buf })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
      group = vim.api.nvim_create_augroup('tracker.codelens.' .. buf, { clear = true }),
      buffer = buf,
      callback = function()
        vim.lsp.codelens.refresh({ bufnr = buf })
      end,
    })
  end
  for action, lhs in pairs(config.keymaps()) do
    if ACTIONS[action] then
      vim.keymap.set('n', lhs, ACTIONS[action], { buffer = buf, desc = 'tracker: ' .. action })
    end
  end
end

-- The public API (also used by the commands).
function M.run(opts, cb)
  require('tracker.commands').start(opts or {}, cb)
end

function M.cancel(run_id, cb)
  require('tracker.commands').cancel({ run_id }, cb)
end

function M.resume(run_id, cb)
  require('tracker.commands').resume({ run_id }, cb)
end

function M.open_run(run_id)
  local run = require('tracker.runs').find(run_id)
  if run then
    return require('tracker.runbuf').open(run)
  end
end

return M

-- The `tracker` language server for vim.lsp.config / vim.lsp.enable (Neovim ≥ 0.11).
-- Override anything with vim.lsp.config('tracker', { … }) or require('tracker').setup().
local config = require('tracker.config')

local function settings()
  local given = config.options.server.settings or {}
  return next(given) and given or vim.empty_dict()
end

local function notification(module, fn)
  return function(err, params, ctx)
    require(module)[fn](params, ctx, err)
  end
end

return {
  cmd = (config.server_cmd()),
  filetypes = { 'dippin' },
  root_markers = { '.tracker', '.git' },
  init_options = { tracker = settings() },
  handlers = {
    ['tracker/runEvent'] = notification('tracker.runs', 'on_event'),
    ['tracker/runState'] = notification('tracker.runs', 'on_state'),
    ['tracker/gateOpened'] = notification('tracker.gates', 'on_opened'),
    ['tracker/gateClosed'] = notification('tracker.gates', 'on_closed'),
  },
}

-- tracker.nvim: the Dippin filetype, the `tracker` language server and the :Tracker*
-- commands. Everything heavy is loaded on first use.
if vim.g.loaded_tracker then
  return
end
vim.g.loaded_tracker = 1

if vim.fn.has('nvim-0.11') == 0 then
  vim.api.nvim_echo({ { 'tracker.nvim needs Neovim 0.11 or newer', 'WarningMsg' } }, true, {})
  return
end

vim.filetype.add({ extension = { dip = 'dippin' } })

local group = vim.api.nvim_create_augroup('tracker', { clear = true })

vim.api.nvim_create_autocmd('FileType', {
  group = group,
  pattern = 'dippin',
  desc = 'tracker: start the language server for Dippin buffers',
  callback = function()
    vim.g.tracker_filetype_seen = true
    require('tracker').enable()
  end,
})

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  desc = 'tracker: completion and keymaps in buffers the tracker client attaches to',
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'tracker' then
      require('tracker').on_attach(client, args.buf)
    end
  end,
})

local function commands()
  return require('tracker.commands')
end

local function define(name, fn, opts)
  vim.api.nvim_create_user_command(name, fn, opts)
end

define('TrackerRun', function(cmd)
  commands().run(cmd.fargs, cmd.bang)
end, {
  nargs = '*',
  bang = true,
  complete = function(lead)
    return commands().complete_file(lead)
  end,
  desc = 'Run a workflow: [file] [key=value…] (! skips the parameter prompts)',
})

define('TrackerResume', function(cmd)
  commands().resume(cmd.fargs)
end, {
  nargs = '?',
  complete = function(lead)
    return commands().complete_runs(lead)
  end,
  desc = 'Resume a canceled or failed run from its checkpoint',
})

define('TrackerCancel', function(cmd)
  commands().cancel(cmd.fargs)
end, {
  nargs = '?',
  complete = function(lead)
    return commands().complete_runs(lead)
  end,
  desc = 'Cancel a run (it can be resumed)',
})

define('TrackerRuns', function()
  commands().runs()
end, { nargs = 0, desc = 'Pick a run and open its buffer' })

define('TrackerSimulate', function(cmd)
  commands().simulate(cmd.fargs)
end, {
  nargs = '?',
  complete = function(lead)
    return commands().complete_file(lead)
  end,
  desc = 'Simulate a workflow: execution plan, unreachable nodes, paths',
})

define('TrackerGraph', function(cmd)
  commands().graph(cmd.fargs)
end, {
  nargs = '*',
  complete = function(lead)
    return commands().complete_graph(lead)
  end,
  desc = 'Show the workflow graph: [file] [text|mermaid|dot]',
})

define('TrackerDiagnose', function(cmd)
  commands().diagnose(cmd.fargs)
end, {
  nargs = '?',
  complete = function(lead)
    return commands().complete_runs(lead)
  end,
  desc = 'Diagnose a run: failures, suggestions',
})

define('TrackerGates', function(cmd)
  commands().gates(cmd.fargs)
end, {
  nargs = '?',
  complete = function(lead)
    return commands().complete_runs(lead)
  end,
  desc = 'Prompt the pending gates again',
})

--- :checkhealth tracker — Neovim version, the server (found? its version and run-protocol
--- version), the filetype, and which provider keys are set (names only, never values).
local config = require('tracker.config')

local M = {}

local health = vim.health

--- Start `cmd`, send `initialize`, return its result (or nil and an error), and stop it.
local function probe(cmd)
  local exited, result, failure
  local ok, rpc = pcall(vim.lsp.rpc.start, cmd, {
    notification = function() end,
    server_request = function()
      return nil, vim.lsp.rpc.rpc_response_error(vim.lsp.protocol.ErrorCodes.MethodNotFound)
    end,
    on_exit = function(code)
      exited = code
    end,
    on_error = function(code, err)
      failure = failure or ('rpc error %s: %s'):format(tostring(code), vim.inspect(err))
    end,
  })
  if not ok then
    return nil, tostring(rpc)
  end
  rpc.request('initialize', {
    processId = vim.fn.getpid(),
    rootUri = vim.NIL,
    capabilities = vim.empty_dict(),
    initializationOptions = { tracker = { environmentChecks = false, watchFiles = false } },
  }, function(err, res)
    if err then
      failure = err.message or vim.inspect(err)
    else
      result = res
    end
  end)
  local done = vim.wait(30000, function()
    return result ~= nil or failure ~= nil or exited ~= nil
  end, 20)
  if result then
    local stopped = false
    rpc.request('shutdown', nil, function()
      stopped = true
    end)
    vim.wait(3000, function()
      return stopped or exited ~= nil
    end, 20)
    rpc.notify('exit')
    vim.wait(2000, function()
      return exited ~= nil
    end, 20)
  end
  if not rpc.is_closing() then
    rpc.terminate()
  end
  if result then
    return result
  end
  if not done then
    return nil, 'no answer to initialize within 30 s'
  end
  return nil, failure or ('the server exited with code %s before answering initialize'):format(tostring(exited))
end

local function check_neovim()
  health.start('tracker: Neovim')
  local v = vim.version()
  local text = ('Neovim %d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok(text)
  else
    health.error(text .. ': tracker.nvim needs Neovim 0.11 or newer')
  end
end

local function protocol_report(version)
  if version == nil then
    health.error('the server does not advertise the run protocol (experimental.tracker.protocolVersion)', {
      'Update tracker: runs, gates and :TrackerRun need a server with the editor run protocol',
    })
    return
  end
  if config.PROTOCOL_VERSIONS[math.floor(tonumber(version) or -1)] then
    health.ok(('run protocol version %s (supported)'):format(tostring(version)))
  else
    health.error(('run protocol version %s is not one this plugin knows'):format(tostring(version)), {
      'Update tracker.nvim, or install the tracker version that matches it',
    })
  end
end

local function check_server()
  health.start('tracker: language server')
  local cmd, how = config.server_cmd(true)
  local exe = vim.fn.exepath(cmd[1])
  if exe == '' then
    health.error(('%s not found: %s'):format(cmd[1], how), {
      'Install tracker into the Python environment on your PATH: pip install tracker',
      'Or point the plugin at it: require("tracker").setup({ server = { cmd = { "/path/to/tracker-lsp" } } })',
    })
    return
  end
  health.ok(('server command: %s (%s: %s)'):format(table.concat(cmd, ' '), cmd[1], exe))

  local running = vim.lsp.get_clients({ name = 'tracker' })[1]
  local info, caps
  if running and running.initialized then
    info, caps = running.server_info, running.server_capabilities
    health.info(('a tracker client is running (id %d)'):format(running.id))
  else
    local result, err = probe(cmd)
    if not result then
      health.error('the server did not start: ' .. tostring(err), {
        'Run it by hand to see why: ' .. table.concat(cmd, ' ') .. ' --log-file /tmp/tracker-lsp.log -v',
      })
      return
    end
    info, caps = result.serverInfo, result.capabilities
  end
  if type(info) == 'table' and info.name then
    health.ok(('server %s %s'):format(info.name, info.version or '(no version)'))
  else
    health.warn('the server did not say its name and version')
  end
  local exp = type(caps) == 'table' and caps.experimental or nil
  local tracker = type(exp) == 'table' and exp.tracker or nil
  protocol_report(type(tracker) == 'table' and tracker.protocolVersion or nil)
end

local function check_filetype()
  health.start('tracker: filetype')
  local ft = vim.filetype.match({ filename = 'workflow.dip' })
  if ft == 'dippin' then
    health.ok('*.dip files get the filetype dippin')
  else
    health.error(('*.dip files get the filetype %s instead of dippin'):format(tostring(ft)), {
      'Another plugin claims .dip; add vim.filetype.add({ extension = { dip = "dippin" } }) after it',
    })
  end
  if #vim.api.nvim_get_runtime_file('syntax/dippin.vim', false) > 0 then
    health.ok('syntax/dippin.vim is on the runtimepath')
  else
    health.warn('syntax/dippin.vim is not on the runtimepath')
  end
  if not config.options.lsp then
    health.info('the language server is switched off (setup({ lsp = false }))')
  elseif vim.lsp.is_enabled('tracker') then
    health.ok('the tracker LSP config is enabled for dippin buffers')
  else
    health.info('the tracker LSP config is enabled when the first dippin buffer opens')
  end
end

local function check_keys()
  health.start('tracker: provider keys (names only)')
  local set, unset = {}, {}
  for _, name in ipairs(config.PROVIDER_KEYS) do
    local value = vim.env[name]
    if value and value ~= '' then
      set[#set + 1] = name
    else
      unset[#unset + 1] = name
    end
  end
  if #set > 0 then
    health.ok('set: ' .. table.concat(set, ', '))
  else
    health.warn('no provider key is set in this environment', {
      'Agent nodes with prompts need one (e.g. ANTHROPIC_API_KEY); tool and human nodes run without',
      'A .env file in the run directory is read by the server as well',
    })
  end
  if #unset > 0 then
    health.info('not set: ' .. table.concat(unset, ', '))
  end
end

function M.check()
  check_neovim()
  check_server()
  check_filetype()
  check_keys()
end

return M

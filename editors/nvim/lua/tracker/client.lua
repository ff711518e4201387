--- The `tracker` LSP client: finding it, checking its protocol version, running commands.
local config = require('tracker.config')

local M = {}

M.NAME = 'tracker'

function M.notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'tracker' })
end

function M.error(msg)
  M.notify(msg, vim.log.levels.ERROR)
end

---@param filter table?
---@return vim.lsp.Client[]
function M.clients(filter)
  return vim.lsp.get_clients(vim.tbl_extend('force', { name = M.NAME }, filter or {}))
end

---@return vim.lsp.Client?
function M.by_id(id)
  local client = id and vim.lsp.get_client_by_id(id)
  if client and client.name == M.NAME and not client:is_stopped() then
    return client
  end
end

--- The client attached to `bufnr`, else any running tracker client.
---@return vim.lsp.Client?
function M.get(bufnr)
  if bufnr then
    local attached = M.clients({ bufnr = bufnr })[1]
    if attached then
      return attached
    end
  end
  return M.clients()[1]
end

--- The protocol version the server advertised, or nil.
function M.protocol_version(client)
  local caps = client.server_capabilities or {}
  local exp = caps.experimental
  local tracker = type(exp) == 'table' and exp.tracker or nil
  return type(tracker) == 'table' and tracker.protocolVersion or nil
end

--- Whether runs may be started against this client's server (else a message why not).
function M.check_protocol(client)
  local version = M.protocol_version(client)
  if version == nil then
    return false,
      'this tracker-lsp does not advertise the run protocol (experimental.tracker.protocolVersion); update tracker'
  end
  if not config.PROTOCOL_VERSIONS[math.floor(tonumber(version) or -1)] then
    local known = vim.tbl_keys(config.PROTOCOL_VERSIONS)
    table.sort(known)
    return false,
      ('tracker-lsp speaks run protocol %s; this plugin knows %s — update the plugin or the server'):format(
        tostring(version),
        table.concat(known, ', ')
      )
  end
  return true
end

--- The buffer of `path`, loaded (so the filetype is set and the client attaches).
function M.buffer_for(path)
  local bufnr = vim.fn.bufadd(path)
  if not vim.api.nvim_buf_is_loaded(bufnr) then
    vim.fn.bufload(bufnr)
  end
  vim.bo[bufnr].buflisted = true
  return bufnr
end

--- Call `cb(client)` once a tracker client is attached to `bufnr` and initialized (or with
--- any running client when `bufnr` is nil); `cb(nil, message)` after `timeout_ms`.
function M.with_client(bufnr, cb, timeout_ms)
  local function ready()
    local client = M.get(bufnr)
    if client and client.initialized then
      return client
    end
  end
  local found = ready()
  if found then
    return cb(found)
  end
  if not bufnr then
    return cb(nil, 'no tracker language server is running: open a .dip file first')
  end
  if not config.server_available() then
    return cb(nil, ('cannot start the tracker language server: %s not found (see :checkhealth tracker)'):format(
      config.server_cmd()[1]
    ))
  end
  if not vim.lsp.is_enabled(M.NAME) then
    if not config.options.lsp then
      return cb(nil, "the tracker language server is switched off (setup({ lsp = false })); enable it with vim.lsp.enable('tracker')")
    end
    require('tracker').enable()
  end
  local waited, step = 0, 20
  local timer = assert(vim.uv.new_timer())
  timer:start(step, step, function()
    waited = waited + step
    vim.schedule(function()
      if timer:is_closing() then
        return
      end
      local client = ready()
      if client or waited >= (timeout_ms or 30000) then
        timer:stop()
        timer:close()
        if client then
          cb(client)
        else
          cb(nil, 'the tracker language server did not start (see :LspLog and :checkhealth tracker)')
        end
      end
    end)
  end)
end

--- `workspace/executeCommand` on `client`; `cb(err, result)` where `err` is the server's
--- message verbatim (and `err_data` its `data`, e.g. `reason`).
function M.execute(client, command, args, cb)
  local params = { command = command, arguments = { args or vim.empty_dict() } }
  local ok = client:request('workspace/executeCommand', params, function(err, result)
    if err then
      cb(err.message or tostring(err), nil, err.data)
    else
      cb(nil, result)
    end
  end)
  if not ok then
    cb('the tracker language server is not running', nil, nil)
  end
end

return M

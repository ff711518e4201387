--- Options of the plugin: defaults, `setup()` merging, and the server command.
local M = {}

--- The run protocol majors this plugin speaks (`experimental.tracker.protocolVersion`).
M.PROTOCOL_VERSIONS = { [1] = true }

--- Environment variables the runtime reads provider keys from (names only).
M.PROVIDER_KEYS = {
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'OPENAI_COMPAT_API_KEY',
}

M.defaults = {
  -- Attach the `tracker` client to dippin buffers (vim.lsp.enable('tracker')).
  lsp = true,
  server = {
    -- nil: `tracker-lsp`, else `python3 -m tracker_lsp` when tracker is importable.
    cmd = nil,
    -- Sent as initializationOptions.tracker (see docs/language-server.md, Settings).
    settings = {},
  },
  -- 'auto': built-in vim.lsp.completion unless nvim-cmp or blink.cmp is installed.
  completion = 'auto',
  -- false, true (the default maps) or a table { action = lhs | false }.
  keymaps = false,
  -- Show the server's code lenses ("▶ Run", "Simulate") on the workflow line.
  codelens = true,
  panel = {
    -- 'bottom' | 'top' | 'left' | 'right' | 'tab' | 'current'
    position = 'bottom',
    -- lines (bottom/top) or columns (left/right); a fraction is of the editor size
    size = 0.4,
  },
  -- Open the run buffer when :TrackerRun / :TrackerResume starts a run.
  auto_open = true,
  run = {
    -- Ask for the workflow's vars with vim.ui.input when not given on the command line.
    ask_params = true,
    auto_approve = false,
    -- nil: the server's default (the workspace folder holding the file)
    workdir = nil,
    -- { maxTokens = n, maxCostCents = n, maxWallTime = '10m' }
    budget = nil,
  },
  gates = {
    -- Prompt as soon as a gate opens (else only on :TrackerGates).
    auto_prompt = true,
  },
  -- Redraw a run buffer at most this often while events stream.
  render_interval_ms = 50,
  -- Log lines kept in a run buffer (older ones are dropped from the buffer).
  max_log_lines = 10000,
  icons = {
    pending = '○',
    running = '●',
    waiting = '?',
    retrying = '↻',
    done = '✓',
    failed = '✗',
    skipped = '–',
  },
}

M.options = vim.deepcopy(M.defaults)

local default_keymaps = {
  run = '<localleader>r',
  simulate = '<localleader>s',
  graph = '<localleader>g',
  runs = '<localleader>l',
  cancel = '<localleader>c',
  gates = '<localleader>a',
  format = '<localleader>f',
  codelens = '<localleader>x',
}

--- The dippin-buffer keymaps in effect: action -> lhs.
function M.keymaps()
  local km = M.options.keymaps
  if km == false or km == nil then
    return {}
  end
  local out = vim.deepcopy(default_keymaps)
  if type(km) == 'table' then
    for action, lhs in pairs(km) do
      out[action] = lhs or nil
    end
  end
  return out
end

local resolved ---@type { cmd: string[], how: string }?

function M.set(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  resolved = nil
end

local function python_has_tracker(python)
  if vim.fn.executable(python) == 0 then
    return false
  end
  local ok, result = pcall(function()
    return vim.system({ python, '-c', 'import tracker_lsp' }, { text = true }):wait(10000)
  end)
  return ok and result.code == 0
end

local function find_server()
  if vim.fn.executable('tracker-lsp') == 1 then
    return { 'tracker-lsp' }, 'tracker-lsp on PATH'
  end
  if python_has_tracker('python3') then
    return { 'python3', '-m', 'tracker_lsp' }, 'python3 -m tracker_lsp (tracker-lsp is not on PATH)'
  end
  return { 'tracker-lsp' }, 'not on PATH, and no python3 on PATH can import tracker_lsp'
end

--- The command that starts the server, and how it was found. The search is done once;
--- `fresh` searches again (for :checkhealth).
---@param fresh boolean?
---@return string[] cmd
---@return string how
function M.server_cmd(fresh)
  local given = M.options.server.cmd
  if given then
    if type(given) == 'string' then
      given = { given }
    end
    return given, 'setup({ server = { cmd = … } })'
  end
  if fresh or not resolved then
    local cmd, how = find_server()
    resolved = { cmd = cmd, how = how }
  end
  return resolved.cmd, resolved.how
end

--- Whether the server command can be started at all.
function M.server_available()
  local cmd = M.server_cmd()
  return vim.fn.executable(cmd[1]) == 1
end

return M

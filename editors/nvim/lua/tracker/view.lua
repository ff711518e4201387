--- Scratch buffers (`tracker://simulate/…`, `tracker://graph/…`, `tracker://diagnose/…`) and
--- the text of the reports they show.
local config = require('tracker.config')
local format = require('tracker.format')

local M = {}

--- Show `lines` in the scratch buffer `tracker://<name>` (reused), in a window per
--- `panel.position`; returns the buffer.
function M.show(name, lines, filetype)
  local full = 'tracker://' .. name
  local buf = vim.fn.bufnr(full)
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(true, true)
    vim.api.nvim_buf_set_name(buf, full)
    vim.bo[buf].buftype = 'nofile'
    vim.bo[buf].bufhidden = 'hide'
    vim.bo[buf].swapfile = false
    vim.keymap.set('n', 'q', '<cmd>close<cr>', { buffer = buf, nowait = true, silent = true, desc = 'Close' })
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  if filetype then
    vim.bo[buf].filetype = filetype
  end
  local win = vim.fn.win_findbuf(buf)[1]
  if win then
    vim.api.nvim_set_current_win(win)
  else
    local panel = config.options.panel
    if panel.position == 'current' then
      vim.api.nvim_win_set_buf(0, buf)
    elseif panel.position == 'tab' then
      vim.cmd('tab sbuffer ' .. buf)
    else
      local vertical = panel.position == 'left' or panel.position == 'right'
      local side = (panel.position == 'top' or panel.position == 'left') and 'topleft' or 'botright'
      vim.cmd(('%s %s'):format(side, vertical and 'vsplit' or 'split'))
      vim.api.nvim_win_set_buf(0, buf)
    end
  end
  return buf
end

local function edge_note(edge)
  local parts = {}
  if edge.condition and edge.condition ~= '' then
    parts[#parts + 1] = 'when ' .. edge.condition
  end
  if edge.label and edge.label ~= '' then
    parts[#parts + 1] = 'label ' .. edge.label
  end
  if edge.restart then
    parts[#parts + 1] = 'restart'
  end
  return table.concat(parts, '  ')
end

local function edge_lines(edges, indent)
  local lines = {}
  local width = 0
  for _, edge in ipairs(edges) do
    width = math.max(width, vim.api.nvim_strwidth(edge.to or ''))
  end
  for i, edge in ipairs(edges) do
    local branch = i == #edges and '└─▶ ' or '├─▶ '
    local note = edge_note(edge)
    local target = edge.to or '?'
    local text = indent .. branch .. target
    if note ~= '' then
      text = text .. string.rep(' ', width - vim.api.nvim_strwidth(target) + 2) .. note
    end
    lines[#lines + 1] = text
  end
  return lines
end

--- The `tracker.simulate` report as text.
function M.simulate_lines(report)
  local lines = {
    ('Simulation of %s   start %s → exit %s'):format(report.name or '?', report.start_node or '?', report.exit_node or '?'),
    '',
    'Execution plan',
  }
  for _, step in ipairs(report.execution_plan or {}) do
    lines[#lines + 1] = ('%4d  %s'):format(step.step or 0, step.node_id or '?')
    vim.list_extend(lines, edge_lines(step.edges or {}, '        '))
  end
  lines[#lines + 1] = ''
  local unreachable = report.unreachable or {}
  lines[#lines + 1] = 'Unreachable  ' .. (#unreachable > 0 and table.concat(unreachable, ', ') or 'none')
  local paths = report.paths or {}
  if #paths > 0 then
    lines[#lines + 1] = ''
    lines[#lines + 1] = ('Paths (%d%s)'):format(#paths, report.truncated and ', truncated' or '')
    for _, path in ipairs(paths) do
      lines[#lines + 1] = ('%4d  %-8s %s'):format(path.id or 0, path.status or '', table.concat(path.nodes or {}, ' → '))
    end
  end
  if report.note and report.note ~= '' then
    lines[#lines + 1] = ''
    lines[#lines + 1] = 'Note  ' .. report.note
  end
  return lines
end

--- A text graph of the simulate report: each node with its outgoing edges.
function M.graph_lines(report)
  local nodes = report.nodes or {}
  local edges = report.edges or {}
  local out = {}
  for _, edge in ipairs(edges) do
    local from = edge.from or '?'
    out[from] = out[from] or {}
    table.insert(out[from], edge)
  end
  local lines = {
    ('%s   %d nodes · %d edges   start %s · exit %s'):format(
      report.name or '?',
      #nodes,
      #edges,
      report.start_node or '?',
      report.exit_node or '?'
    ),
    '',
  }
  local order, seen = {}, {}
  for _, step in ipairs(report.execution_plan or {}) do
    if step.node_id and not seen[step.node_id] then
      seen[step.node_id] = true
      order[#order + 1] = step.node_id
    end
  end
  local by_id = {}
  for _, node in ipairs(nodes) do
    by_id[node.id] = node
    if not seen[node.id] then
      seen[node.id] = true
      order[#order + 1] = node.id
    end
  end
  for _, id in ipairs(order) do
    local node = by_id[id] or { id = id }
    local label = (node.label and node.label ~= '' and node.label ~= id) and ('  "' .. node.label .. '"') or ''
    lines[#lines + 1] = ('%s  [%s]%s'):format(id, node.handler or '?', label)
    local targets = node.attrs and node.attrs.parallel_targets
    if targets and targets ~= '' then
      local implicit = {}
      for target in targets:gmatch('[^,]+') do
        implicit[#implicit + 1] = { to = vim.trim(target), condition = '', label = 'parallel branch' }
      end
      vim.list_extend(lines, edge_lines(implicit, '  '))
    end
    vim.list_extend(lines, edge_lines(out[id] or {}, '  '))
  end
  return lines
end

local function text_block(lines, title, text, indent)
  if not text or text == '' then
    return
  end
  local split = vim.split(text, '\n', { plain = true })
  lines[#lines + 1] = indent .. title .. split[1]
  for i = 2, math.min(#split, 20) do
    lines[#lines + 1] = indent .. string.rep(' ', vim.api.nvim_strwidth(title)) .. split[i]
  end
  if #split > 20 then
    lines[#lines + 1] = indent .. string.rep(' ', vim.api.nvim_strwidth(title)) .. ('… %d more lines'):format(#split - 20)
  end
end

--- The `tracker.diagnose` report as text.
function M.diagnose_lines(report)
  local lines = {
    ('Diagnosis of run %s   %d node(s) completed'):format(report.run_id or '?', tonumber(report.completed_nodes) or 0),
  }
  local failures = report.failures or {}
  lines[#lines + 1] = ''
  if #failures == 0 then
    lines[#lines + 1] = 'No node failures.'
  else
    lines[#lines + 1] = 'Failures'
    for _, failure in ipairs(failures) do
      local took = failure.duration_ns and failure.duration_ns > 0 and ('  took ' .. format.duration(failure.duration_ns / 1e9)) or ''
      local retries = (tonumber(failure.retry_count) or 0) > 0 and ('  retries ' .. failure.retry_count) or ''
      local identical = failure.identical_retries and '  (identical retries)' or ''
      lines[#lines + 1] = ('  ✗ %s  [%s]%s%s%s'):format(failure.node_id or '?', failure.handler or '?', took, retries, identical)
      for _, err in ipairs(failure.errors or {}) do
        text_block(lines, 'error   ', err, '      ')
      end
      text_block(lines, 'output  ', failure.output, '      ')
      text_block(lines, 'stderr  ', failure.stderr, '      ')
    end
  end
  local suggestions = report.suggestions or {}
  if #suggestions > 0 then
    lines[#lines + 1] = ''
    lines[#lines + 1] = 'Suggestions'
    for _, s in ipairs(suggestions) do
      local node = s.node_id and (s.node_id .. ': ') or ''
      text_block(lines, ('• [%s] %s'):format(s.kind or '?', node), s.message, '  ')
    end
  end
  local known = { run_id = true, completed_nodes = true, failures = true, suggestions = true }
  local rest = {}
  for key, value in pairs(report) do
    if not known[key] then
      rest[key] = value
    end
  end
  local keys = vim.tbl_keys(rest)
  table.sort(keys)
  for _, key in ipairs(keys) do
    lines[#lines + 1] = ''
    lines[#lines + 1] = (key:gsub('_', ' '):gsub('^%l', string.upper))
    for _, line in ipairs(vim.split(vim.inspect(rest[key]), '\n', { plain = true })) do
      lines[#lines + 1] = '  ' .. line
    end
  end
  return lines
end

return M

--- The interview form: a floating buffer with one field per parsed question
--- (`questions[]` of `tracker/gateOpened`), submitted with `:w` or <C-s>.
---
--- Each question is a line `[id] text  (options)`; the first line below it is the answer
--- and any further lines are added as elaboration. An empty field skips the question.
--- `q` dismisses the form (the gate stays pending); <Tab> on an answer line cycles through
--- the question's options.
local M = {}

local ns = vim.api.nvim_create_namespace('tracker.form')
local PREFIX = 'tracker://gate/'

local function header_line(question)
  local options = question.options or {}
  local hint = ''
  if question.kind == 'confirm' then
    hint = '  (yes / no)'
  elseif #options > 0 then
    hint = '  (' .. table.concat(options, ' / ') .. ')'
  end
  return ('[%s] %s%s'):format(question.id, (question.text or ''):gsub('\n', ' '), hint)
end

--- The buffer text of a form for `gate`.
function M.lines(gate)
  local lines = {}
  local prompt = gate.prompt ~= '' and gate.prompt or gate.label or ''
  for _, line in ipairs(vim.split(prompt, '\n', { plain = true })) do
    lines[#lines + 1] = '# ' .. line
  end
  lines[#lines + 1] = '# Answer under each question: the first line is the answer, more lines add detail.'
  lines[#lines + 1] = '# Leave a field empty to skip it.  :w or <C-s> submits · q dismisses · <Tab> cycles options'
  for _, question in ipairs(gate.questions) do
    lines[#lines + 1] = ''
    lines[#lines + 1] = header_line(question)
    lines[#lines + 1] = question.prefill or ''
  end
  return lines
end

--- The answer object (`{answers = {id = text | {answer, elaboration}}}`) of form text.
function M.parse(gate, lines)
  local known = {}
  for _, question in ipairs(gate.questions) do
    known[question.id] = true
  end
  local blocks, order, current = {}, {}, nil
  for _, line in ipairs(lines) do
    local id = line:match('^%[([^%]]+)%]')
    if id and known[id] and not blocks[id] then
      current = id
      blocks[id] = {}
      order[#order + 1] = id
    elseif current then
      table.insert(blocks[current], line)
    end
  end
  local answers = {}
  for _, id in ipairs(order) do
    local body = blocks[id]
    while #body > 0 and vim.trim(body[#body]) == '' do
      table.remove(body)
    end
    while #body > 0 and vim.trim(body[1]) == '' do
      table.remove(body, 1)
    end
    if #body > 0 then
      local answer = vim.trim(body[1])
      local rest = {}
      for i = 2, #body do
        rest[#rest + 1] = body[i]
      end
      local elaboration = vim.trim(table.concat(rest, '\n'))
      if elaboration ~= '' then
        answers[id] = { answer = answer, elaboration = elaboration }
      elseif answer ~= '' then
        answers[id] = answer
      end
    end
  end
  if next(answers) == nil then
    answers = vim.empty_dict()
  end
  return { answers = answers }
end

--- The question whose field holds line `row` (1-based), and whether `row` is its answer line.
local function question_at(gate, buf, row)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, row, false)
  for i = #lines, 1, -1 do
    local id = lines[i]:match('^%[([^%]]+)%]')
    if id then
      for _, question in ipairs(gate.questions) do
        if question.id == id then
          return question, row == i + 1
        end
      end
    end
  end
end

local function cycle_option(gate, buf)
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local question, on_answer = question_at(gate, buf, row)
  if not question or not on_answer then
    return
  end
  local options = question.kind == 'confirm' and { 'yes', 'no' } or question.options or {}
  if #options == 0 then
    return
  end
  local current = vim.trim(vim.api.nvim_buf_get_lines(buf, row - 1, row, false)[1] or '')
  local next_option = options[1]
  for i, option in ipairs(options) do
    if option:lower() == current:lower() then
      next_option = options[i % #options + 1]
    end
  end
  vim.api.nvim_buf_set_lines(buf, row - 1, row, false, { next_option })
end

local function decorate(buf, gate)
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, line in ipairs(lines) do
    if line:match('^#') then
      vim.api.nvim_buf_set_extmark(buf, ns, i - 1, 0, { end_col = #line, hl_group = 'Comment' })
    else
      local id = line:match('^%[([^%]]+)%]')
      if id then
        vim.api.nvim_buf_set_extmark(buf, ns, i - 1, 0, { end_col = #line, hl_group = 'Title' })
        for _, question in ipairs(gate.questions) do
          if question.id == id and question.context and question.context ~= '' then
            local virt = {}
            for _, text in ipairs(vim.split(question.context, '\n', { plain = true })) do
              virt[#virt + 1] = { { '    ' .. text, 'Comment' } }
            end
            vim.api.nvim_buf_set_extmark(buf, ns, i - 1, 0, { virt_lines = virt })
          end
        end
      end
    end
  end
end

--- Open the form of `gate`. `handlers.submit(answer, done)` sends it and calls
--- `done(err)`; `handlers.dismiss()` when the user closes the form unanswered.
--- Returns a function that closes the form without dismissing (the gate closed elsewhere).
---@return fun()
function M.open(gate, handlers)
  local name = PREFIX .. gate.gateId
  local old = vim.fn.bufnr(name)
  if old ~= -1 then
    pcall(vim.api.nvim_buf_delete, old, { force = true })
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, name)
  vim.bo[buf].buftype = 'acwrite'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, M.lines(gate))
  vim.bo[buf].modified = false
  vim.bo[buf].filetype = 'trackerform'
  decorate(buf, gate)

  local lines = vim.api.nvim_buf_line_count(buf)
  local width = math.min(math.max(60, math.floor(vim.o.columns * 0.6)), vim.o.columns - 4)
  local height = math.min(math.max(lines + 2, 10), vim.o.lines - 4)
  local title = ' ' .. require('tracker.gates').title(gate) .. ' '
  if vim.api.nvim_strwidth(title) > width - 4 then
    title = vim.fn.strcharpart(title, 0, width - 5) .. '… '
  end
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = width,
    height = height,
    row = math.max(0, math.floor((vim.o.lines - height) / 2) - 1),
    col = math.floor((vim.o.columns - width) / 2),
    style = 'minimal',
    border = 'rounded',
    title = title,
    title_pos = 'center',
    footer = ' :w submit · q dismiss · <Tab> next option ',
    footer_pos = 'center',
  })
  vim.wo[win].wrap = true
  -- the first answer field
  for i = 1, lines do
    if vim.api.nvim_buf_get_lines(buf, i - 1, i, false)[1]:match('^%[') then
      vim.api.nvim_win_set_cursor(win, { math.min(i + 1, lines), 0 })
      break
    end
  end

  local state = { closing = false, submitting = false }
  local function close()
    state.closing = true
    if vim.api.nvim_win_is_valid(win) then
      pcall(vim.api.nvim_win_close, win, true)
    end
    if vim.api.nvim_buf_is_valid(buf) then
      pcall(vim.api.nvim_buf_delete, buf, { force = true })
    end
  end

  local function submit()
    if state.submitting then
      return
    end
    state.submitting = true
    local answer = M.parse(gate, vim.api.nvim_buf_get_lines(buf, 0, -1, false))
    handlers.submit(answer, function(err)
      state.submitting = false
      if err then
        require('tracker.client').error(err)
        return
      end
      if vim.api.nvim_buf_is_valid(buf) then
        vim.bo[buf].modified = false
      end
      close()
    end)
  end

  local function dismiss()
    if state.closing then
      return
    end
    close()
    handlers.dismiss()
  end

  vim.api.nvim_create_autocmd('BufWriteCmd', { buffer = buf, callback = submit })
  vim.api.nvim_create_autocmd({ 'TextChanged', 'TextChangedI' }, {
    buffer = buf,
    callback = function()
      decorate(buf, gate)
    end,
  })
  vim.api.nvim_create_autocmd('WinClosed', {
    pattern = tostring(win),
    once = true,
    callback = function()
      if not state.closing then
        vim.schedule(dismiss)
      end
    end,
  })
  local opts = { buffer = buf, nowait = true, silent = true }
  vim.keymap.set('n', 'q', dismiss, vim.tbl_extend('force', opts, { desc = 'Dismiss (the gate stays pending)' }))
  vim.keymap.set({ 'n', 'i' }, '<C-s>', function()
    vim.cmd.stopinsert()
    submit()
  end, vim.tbl_extend('force', opts, { desc = 'Submit the answers' }))
  vim.keymap.set('n', '<Tab>', function()
    cycle_option(gate, buf)
  end, vim.tbl_extend('force', opts, { desc = 'Next option' }))
  return close
end

--- The form buffer of `gate_id`, if open.
function M.buffer(gate_id)
  local buf = vim.fn.bufnr(PREFIX .. gate_id)
  return buf ~= -1 and buf or nil
end

return M

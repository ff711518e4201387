--- 'indentexpr' of Dippin buffers: one level (two spaces) deeper after a line that opens
--- a block — `workflow`, a section word, a node header, a `key:` with nothing after it —
--- else the indentation of the line above.
local M = {}

local SECTIONS = { defaults = true, vars = true, inputs = true, edges = true }
local KINDS = {
  agent = true,
  human = true,
  tool = true,
  subgraph = true,
  conditional = true,
  manager_loop = true,
  parallel = true,
  fan_in = true,
  workflow = true,
  branch = true,
}

--- Whether `text` (a line without its indentation) opens an indented block.
function M.opens_block(text)
  text = text:gsub('%s+#.*$', '')
  if text:match('^#') or text == '' then
    return false
  end
  if SECTIONS[text] then
    return true
  end
  local word = text:match('^([%w_]+)%s')
  if word and KINDS[word] then
    return true
  end
  -- `key:` or `key: |` with its value on the following lines
  return text:match('^[%w_]+:%s*|?$') ~= nil
end

function M.get(lnum)
  local prev = vim.fn.prevnonblank(lnum - 1)
  if prev == 0 then
    return 0
  end
  local line = vim.fn.getline(prev)
  local indent = vim.fn.indent(prev)
  local text = vim.trim(line)
  if M.opens_block(text) then
    return indent + vim.fn.shiftwidth()
  end
  return indent
end

return M

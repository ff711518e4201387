--- 'foldexpr' of Dippin buffers: the server's folding ranges (vim.lsp.foldexpr) once the
--- tracker client is attached, the indentation until then.
local M = {}

local function indent_level(lnum)
  return math.floor(vim.fn.indent(lnum) / math.max(vim.fn.shiftwidth(), 1))
end

function M.expr(lnum)
  if vim.b.tracker_lsp_folds then
    return vim.lsp.foldexpr(lnum)
  end
  local line = vim.fn.getline(lnum)
  if line:match('^%s*$') then
    return '='
  end
  local level = indent_level(lnum)
  local next_line = vim.fn.nextnonblank(lnum + 1)
  if next_line > 0 and indent_level(next_line) > level then
    return '>' .. (level + 1)
  end
  return tostring(level)
end

--- Switch `buf` to the server's folds.
function M.use_lsp(buf)
  vim.b[buf].tracker_lsp_folds = true
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if vim.wo[win].foldmethod == 'expr' then
      vim.api.nvim_win_call(win, function()
        vim.lsp.foldexpr(vim.fn.line('.'))
      end)
    end
  end
end

return M

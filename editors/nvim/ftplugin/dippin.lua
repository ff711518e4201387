-- Dippin buffers: comments, two-space indentation, folding.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = '# %s'
vim.bo.comments = ':#'
vim.bo.formatoptions = vim.bo.formatoptions:gsub('t', '') .. 'croql'
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.softtabstop = 2
vim.bo.tabstop = 2
vim.bo.indentexpr = "v:lua.require'tracker.indent'.get(v:lnum)"
vim.bo.indentkeys = '0{,0},!^F,o,O,e,=when,=->'

-- Folds come from the server (nodes, sections, multi-line values, comment blocks); until
-- it answers, and without it, from the indentation.
vim.wo[0][0].foldmethod = 'expr'
vim.wo[0][0].foldexpr = "v:lua.require'tracker.fold'.expr(v:lnum)"
vim.wo[0][0].foldlevel = 99

vim.b.undo_ftplugin = table.concat({
  'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< tabstop<',
  'setlocal indentexpr< indentkeys< foldmethod< foldexpr< foldlevel<',
}, ' | ')

-- Runtimepath of the tests: this plugin and Neovim's own runtime (and its bundled parsers),
-- nothing from the user or the system site directories.
--   nvim --headless --clean --cmd 'luafile editors/nvim/tests/minimal_init.lua' -l SPEC
local plugin = vim.fs.dirname(vim.fs.dirname(vim.fs.abspath(debug.getinfo(1, 'S').source:sub(2))))
local keep = { plugin }
for _, dir in ipairs(vim.opt.runtimepath:get()) do
  if vim.startswith(dir, vim.env.VIMRUNTIME) or dir:match('[/\\]lib[/\\]nvim$') then
    keep[#keep + 1] = dir
  end
end
vim.opt.runtimepath = keep
vim.opt.packpath = { vim.env.VIMRUNTIME }

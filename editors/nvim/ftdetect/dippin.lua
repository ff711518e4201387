-- *.dip files are Dippin workflows.
vim.filetype.add({ extension = { dip = 'dippin' } })

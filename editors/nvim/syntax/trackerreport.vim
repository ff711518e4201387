" Vim syntax file
" Language: tracker report buffers (simulate, graph, diagnose)

if exists('b:current_syntax')
  finish
endif

syn match trackerReportTitle /\%1l.*/
syn match trackerReportSection /^\%(Execution plan\|Unreachable\|Paths\|Note\|Failures\|Suggestions\|No node failures\.\)/
syn match trackerReportEdge /[├└]─▶/
syn match trackerReportWhen /\<\%(when\|label\|restart\)\>/
syn match trackerReportKind /\[[a-z_.]\+\]/
syn match trackerReportFailure /✗.*$/
syn match trackerReportStep /^\s*\d\+\ze\s/

hi def link trackerReportTitle Title
hi def link trackerReportSection Label
hi def link trackerReportEdge Operator
hi def link trackerReportWhen Statement
hi def link trackerReportKind Type
hi def link trackerReportFailure DiagnosticError
hi def link trackerReportStep Number

let b:current_syntax = 'trackerreport'

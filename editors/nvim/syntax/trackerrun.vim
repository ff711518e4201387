" Vim syntax file
" Language: tracker run buffer (tracker://run/<runId>): header, node list, activity log

if exists('b:current_syntax')
  finish
endif

syn match trackerRunField /^\%(File\|Status\|Cost\|Gates\|Cancel\|Error\)\ze\s/
syn match trackerRunLogTime /^\d\d:\d\d:\d\d\.\d\d\d/ nextgroup=trackerRunLogNode skipwhite
syn match trackerRunLogNode /\S\+/ contained
syn match trackerRunNodeState /\s\zs\%(done\|failed\|running\|waiting\|retrying\|pending\|skipped\)\ze\s/ contained
syn match trackerRunNodeLine /^  \S\+ \S\+\s\+\%(done\|failed\|running\|waiting\|retrying\|pending\|skipped\)\>.*$/ contains=trackerRunNodeState
syn match trackerRunFailure /\<\%(failed\|error\|timed out\)\>.*$/
syn match trackerRunGate /gate \%(opened\|answered\)\>/

hi def link trackerRunField Label
hi def link trackerRunLogTime Comment
hi def link trackerRunLogNode Identifier
hi def link trackerRunNodeState Type
hi def link trackerRunFailure DiagnosticError
hi def link trackerRunGate DiagnosticWarn

let b:current_syntax = 'trackerrun'

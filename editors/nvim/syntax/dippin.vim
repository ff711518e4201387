" Vim syntax file
" Language: Dippin (.dip) workflow files of tracker
" The language server adds semantic tokens on top (node IDs, context keys, conditions).

if exists('b:current_syntax')
  finish
endif

syn case match

" Comments: a '#' at the start of a line or after whitespace (not inside a quoted string).
syn match dippinComment /\%(^\|\s\)\zs#.*$/ contains=dippinTodo,@Spell
syn keyword dippinTodo TODO FIXME XXX NOTE contained

" Structure
syn match dippinWorkflow /^\s*\zsworkflow\>/ nextgroup=dippinName skipwhite
syn match dippinName /\S\+/ contained
syn match dippinSection /^\s*\zs\%(defaults\|vars\|inputs\|edges\)\s*$/
syn match dippinDialect /^dip\s\+\d\+\s*$/
syn match dippinKind /^\s*\zs\%(agent\|human\|tool\|subgraph\|conditional\|manager_loop\|parallel\|fan_in\|branch\)\>/ nextgroup=dippinNodeId skipwhite
syn match dippinNodeId /[A-Za-z0-9][A-Za-z0-9_.\/-]*/ contained

" Fields: `key:` at the start of a line
syn match dippinKey /^\s*\zs[A-Za-z_][A-Za-z0-9_]*\ze:/ nextgroup=dippinColon
syn match dippinColon /:/ contained

" Edges
syn match dippinArrow /->\|<-/
syn keyword dippinEdgeWord when label weight restart
" (`contains` is an argument word of :syn keyword, hence a match)
syn match dippinConnective /\<\%(and\|or\|not\|contains\|startswith\|endswith\|in\|matches\)\>/
syn match dippinOperator /==\|!=\|<=\|>=\|&&\|||/

" Values
syn region dippinString start=/"/ skip=/\\"/ end=/"\|$/ oneline contains=dippinInterpolation
syn match dippinInterpolation /\${[^}]*}/ contains=dippinNamespace
syn match dippinNamespace /\${\zs\%(ctx\|params\|graph\|inputs\|node\|response\|steer\|stack\|summary\|parallel\|fan_in\|internal\)\ze\./ contained
syn match dippinConditionVar /\<\%(ctx\|node\|graph\|params\|inputs\)\.[A-Za-z0-9_.\/-]\+/
syn match dippinNumber /\<-\?\d\+\%(\.\d\+\)\?\%(ns\|us\|ms\|s\|m\|h\)\?\>/
syn keyword dippinBoolean true false yes no

hi def link dippinComment Comment
hi def link dippinTodo Todo
hi def link dippinWorkflow Keyword
hi def link dippinName Title
hi def link dippinSection Keyword
hi def link dippinDialect PreProc
hi def link dippinKind Keyword
hi def link dippinNodeId Function
hi def link dippinKey Identifier
hi def link dippinColon Delimiter
hi def link dippinArrow Operator
hi def link dippinEdgeWord Statement
hi def link dippinConnective Conditional
hi def link dippinOperator Operator
hi def link dippinString String
hi def link dippinInterpolation Special
hi def link dippinNamespace Type
hi def link dippinConditionVar Special
hi def link dippinNumber Number
hi def link dippinBoolean Boolean

let b:current_syntax = 'dippin'

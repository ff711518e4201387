"""Completion that knows where the cursor is.

* top level: ``workflow``; in the body: header fields, sections and node kinds (snippets);
* in a node: the fields of its kind (documentation; multi-line fields as block snippets),
  in ``defaults``/``inputs``/``branch:`` their own fields;
* after ``key:``: allowed values (human ``mode``, ``fidelity``, ``reasoning_effort``, ...),
  models from the catalog filtered by the node's provider, node IDs for ``node_ref``
  fields, ``true``/``false``;
* edges: node IDs on both ends, then attributes; after ``when`` the context keys set
  after the source node, operators after a variable, values after an operator;
* ``parallel X -> ...`` / ``fan_in J <- ...``: node IDs;
* inside ``${``: the namespaces, then for ``ctx.`` exactly the keys the dataflow analysis
  says may be set at this node (with who writes them and whether always), ``params.*``,
  ``graph.*`` and ``inputs.*``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from tracker.dippin import fields as F
from tracker.dippin.conditions import OPERATORS
from tracker.dippin.interpolation import KNOWN_NAMESPACES
from tracker.dippin.lexer import LINE_KEYWORDS, strip_comment
from tracker.dippin.positions import Position
from tracker_lsp.cursor import Cursor, field_at, locate, open_interpolation
from tracker_lsp.documents import Snapshot
from tracker_lsp.encoded import EncodedList
from tracker_lsp.positions import Converter

if TYPE_CHECKING:
    from tracker_lsp.server import TrackerServer

K = lsp.CompletionItemKind

NAMESPACE_DOCS = {
    "ctx": "The run context: keys written by nodes upstream (`last_response`, `tool_stdout`, `writes:` keys, `node.<id>.<key>` copies, …).",
    "graph": "Graph attributes: `graph.goal`, the flattened defaults, `graph.params.<var>`.",
    "params": "Workflow variables (`vars`) and, in a subgraph child, the parameters passed by the caller.",
    "inputs": "Declared inputs supplied by the caller (`inputs` section).",
    "stack": "Manager-loop view of a supervised child (`stack.child.status`, …).",
}

KIND_SNIPPETS = {
    "agent": "agent ${1:Name}\n  prompt:\n    $0",
    "human": "human ${1:Name}\n  mode: ${2|choice,freeform,interview,yes_no,hybrid|}\n  prompt:\n    $0",
    "tool": "tool ${1:Name}\n  command:\n    $0",
    "subgraph": "subgraph ${1:Name}\n  ref: ${2:child.dip}",
    "conditional": "conditional ${1:Name}",
    "manager_loop": "manager_loop ${1:Name}\n  subgraph_ref: ${2:child.dip}\n  stop_condition: ${3:stack.child.status = success}",
    "parallel": "parallel ${1:Name} -> ${2:A}, ${3:B}",
    "fan_in": "fan_in ${1:Join} <- ${2:A}, ${3:B}",
}
SECTION_SNIPPETS = {
    "defaults": "defaults\n  $0",
    "vars": "vars\n  ${1:name}: ${2:value}",
    "inputs": "inputs\n  ${1:name}: ${2|text,number,bool,enum,file,secret|}",
    "edges": "edges\n  ${1:A} -> ${2:B}",
}
CONDITION_VALUES = {"outcome": ("success", "fail", "retry")}
_EDGE_LINE = re.compile(r"^\s*(?P<src>[^\s>-][^\s]*?)\s*->\s*(?P<dst>[^\s]*)(?P<rest>.*)$")
_CONNECTIVES = ("and", "or", "not", "&&", "||", "!", "(")
_tokens = itertools.count(1)


class Builder:
    """Collects completion items that replace the word before the cursor."""

    def __init__(
        self,
        snap: Snapshot,
        analysed: Snapshot,
        cur: Cursor,
        snippets: bool,
        uri: str,
        conv: Converter,
        current: Callable[[], Snapshot],
    ) -> None:
        self.uri = uri
        self.snap = snap
        self.analysed = analysed
        self.cur = cur
        self.snippets = snippets
        self.conv = conv
        self.current = current
        self.items: list[dict[str, Any]] = []  # CompletionItem JSON, built directly (lists can be long)
        self.seen: set[str] = set()
        self.shared_range = False  # the client takes the edit range from itemDefaults
        self.memo: dict[int, tuple[str, str, bool]] | None = None
        self.cache: dict[tuple[object, ...], list[dict[str, Any]]] | None = None
        start = conv.position(Position(cur.line_no, cur.word_start))
        end = conv.position(Position(cur.line_no, cur.character))
        self.range = lsp.Range(start=start, end=end)

    def analysis(self) -> Any:
        """The analysis to answer from: the last finished one (it may lag one edit)."""
        return self.analysed.analysis()

    def keys(self, node_id: str, after: bool) -> dict[str, Any]:
        """Context keys at (or after) ``node_id``; a node the last analysis does not know
        yet (it is being typed) is analysed now."""
        snap = self.analysed
        for attempt in range(2):
            analysis = snap.analysis()
            if analysis is None:
                return {}
            fn = getattr(analysis, "keys_after", None) if after else None
            try:
                keys = (fn or analysis.keys_at)(node_id)
            except Exception:
                keys = {}
            if keys or attempt or snap.workflow.node(node_id) is not None:
                return dict(keys)
            snap = self.current()  # a node typed since the last analysis
        return {}

    def replace_from(self, character: int) -> None:
        conv = self.conv
        self.range = lsp.Range(start=conv.position(Position(self.cur.line_no, character)), end=self.range.end)

    def _range_json(self) -> dict[str, Any]:
        r = self.range
        return {
            "start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character},
        }

    def add(
        self,
        label: str,
        kind: lsp.CompletionItemKind,
        detail: str = "",
        doc: str = "",
        insert: str | None = None,
        snippet: str | None = None,
        sort: str = "",
        data: object = None,
    ) -> None:
        if label in self.seen:
            return
        self.seen.add(label)
        text = insert if insert is not None else label
        item: dict[str, Any] = {"label": label, "kind": kind.value, "sortText": (sort or "5") + label}
        if snippet is not None and self.snippets:
            text = snippet
            item["insertTextFormat"] = lsp.InsertTextFormat.Snippet.value
        if detail:
            item["detail"] = detail
        if doc:
            item["documentation"] = {"kind": "markdown", "value": doc}
        if self.shared_range:
            if text != label:
                item["textEditText"] = text
        else:
            item["textEdit"] = {"range": self._range_json(), "newText": text}
        if data is not None:
            item["data"] = data
        if isinstance(self.items, EncodedList):
            self.items = list(self.items)  # a reused list stays as it was encoded
        self.items.append(item)

    def result(self) -> dict[str, Any]:
        """The ``CompletionList`` as JSON data."""
        from tracker_lsp.server import RawJSON

        out = RawJSON(isIncomplete=False, items=self.items)
        if self.shared_range:
            out["itemDefaults"] = {"editRange": self._range_json()}
        return out


def complete(server: TrackerServer, params: lsp.CompletionParams) -> dict[str, Any] | None:
    doc = server.document(params.text_document.uri)
    if doc is None:
        return None
    # The text is current; the IR and analysis may lag one keystroke behind (they are
    # being recomputed) — completion does not wait for them.
    snap = doc.snapshot if doc.snapshot is not None else doc.parsed(server.encoding)
    analysed = doc.last_good or snap
    conv = Converter(doc.lines, server.encoding)
    pos = conv.from_position(params.position)
    cur = locate(doc.lines, pos.line, pos.character)
    caps = server.client_capabilities.text_document
    snippets = bool(
        caps and caps.completion and caps.completion.completion_item and caps.completion.completion_item.snippet_support
    )
    b = Builder(snap, analysed, cur, snippets, doc.uri, conv, lambda: doc.parsed(server.encoding))
    listing = caps.completion.completion_list if caps and caps.completion else None
    b.shared_range = bool(listing and listing.item_defaults and "editRange" in listing.item_defaults)
    b.memo = server.completion_memo
    b.cache = server.completion_cache
    _dispatch(b, snap, cur)
    memo = server.completion_memo
    while len(memo) > 64:
        del memo[next(iter(memo))]  # least recently used first
    return b.result()


def _dispatch(b: Builder, snap: Snapshot, cur: Cursor) -> None:
    if cur.in_block_of is None and strip_comment(cur.prefix)[1] >= 0:
        return  # inside a comment (in a block value, `#` is text)
    at = open_interpolation(cur.prefix)
    if at is not None:
        _interpolation(b, snap, cur, at)
        return
    section = cur.section
    container = cur.container
    if section is not None and section.word == "edges" and container is section:
        _edge(b, snap, cur)
        return
    stripped = cur.prefix.lstrip()
    first = stripped.split(" ", 1)[0] if stripped else ""
    if (first == "parallel" and "->" in stripped) or (first == "fan_in" and "<-" in stripped):
        _node_ids(b, snap)
        return
    if cur.in_block_of is not None:
        block = cur.in_block_of
        node = cur.node
        if block.word == "params" and node is not None and node.word == "subgraph":
            _child_params(b, snap, cur)
        elif block.word == "params" and node is not None and node.word in ("parallel", "fan_in"):
            fa = field_at(cur)
            if fa is not None and fa[0] == "fan_in_policy":
                for v in F.FAN_IN_POLICIES:
                    b.add(v, K.EnumMember, "fan_in_policy")
        return
    fa = field_at(cur)
    if fa is not None:
        _value(b, snap, cur, fa[0])
        return
    if stripped and not re.fullmatch(r"[\w\-]*", stripped):
        return
    _line_start(b, snap, cur)


# ---------------------------------------------------------------------------- line start
def _line_start(b: Builder, snap: Snapshot, cur: Cursor) -> None:
    parent = cur.container
    if parent is None:
        b.add("workflow", K.Keyword, "Declare the workflow", F.SECTION_DOCS["workflow"], snippet="workflow ${1:Name}\n  $0")
        return
    word = parent.word
    if word == "workflow" and not parent.is_field:
        for spec in F.HEADER_FIELDS:
            _field_item(b, spec, "workflow header")
        for name, snippet in SECTION_SNIPPETS.items():
            b.add(name, K.Module, "section", F.SECTION_DOCS[name], snippet=snippet, sort="3")
        for kind, snippet in KIND_SNIPPETS.items():
            b.add(kind, K.Class, f"{kind} node", F.KIND_DOCS[kind], insert=kind + " ", snippet=snippet, sort="2")
        return
    keyword = LINE_KEYWORDS.get(word)
    if keyword in ("KIND", "PARALLEL", "FAN_IN") and not parent.is_field:
        present = _present_fields(snap, cur, parent.name)
        if word == "parallel":
            b.add("branch", K.Property, "parallel branch", "A branch target with optional overrides (model, provider, fidelity, …).", insert="branch: ")
        for spec in F.KIND_FIELDS.get(word, ()):
            if spec.name not in present:
                _field_item(b, spec, f"{word} field")
        return
    if word in ("defaults",) and not parent.is_field:
        for spec in F.DEFAULTS_FIELDS:
            _field_item(b, spec, "defaults")
        return
    if parent.is_field and word == "branch":
        for spec in F.BRANCH_FIELDS:
            _field_item(b, spec, "branch field")
        return
    grand = cur.chain[1] if len(cur.chain) > 1 else None
    if parent.is_field and grand is not None and grand.word == "inputs":
        for spec in F.INPUT_FIELDS:
            _field_item(b, spec, "input attribute")


def _present_fields(snap: Snapshot, cur: Cursor, node_id: str) -> set[str]:
    node = snap.workflow.node(node_id)
    present = set(node.fields) if node is not None else set()
    present.discard(cur.word)
    return present


def _field_item(b: Builder, spec: F.FieldSpec, owner: str) -> None:
    doc = spec.doc
    if spec.values:
        doc += "\n\nValues: " + ", ".join(f"`{v}`" for v in spec.values)
    if spec.example:
        doc += f"\n\nExample: `{spec.name}: {spec.example}`"
    if spec.is_block:
        snippet = f"{spec.name}:\n  $0"
        b.add(spec.name, K.Property, f"{owner} ({spec.type}, multi-line)", doc, insert=f"{spec.name}:", snippet=snippet, sort="1")
    elif spec.values:
        choice = ",".join(v.replace(",", "\\,").replace("|", "\\|") for v in spec.values)
        b.add(spec.name, K.Property, f"{owner} ({spec.type})", doc, insert=f"{spec.name}: ", snippet=f"{spec.name}: ${{1|{choice}|}}", sort="1")
    else:
        b.add(spec.name, K.Property, f"{owner} ({spec.type})", doc, insert=f"{spec.name}: ", sort="1")


# ---------------------------------------------------------------------------- values
def _table_for(cur: Cursor) -> F.FieldTable | None:
    parent = cur.container
    if parent is None:
        return None
    if parent.word == "workflow" and not parent.is_field:
        return F.table("header")
    if parent.word == "defaults" and not parent.is_field:
        return F.table("defaults")
    if parent.is_field and parent.word == "branch":
        return F.table("branch")
    kind = LINE_KEYWORDS.get(parent.word)
    if kind in ("KIND", "PARALLEL", "FAN_IN") and not parent.is_field:
        return F.table(parent.word)
    grand = cur.chain[1] if len(cur.chain) > 1 else None
    if parent.is_field and grand is not None and grand.word == "inputs":
        return F.table("input")
    return None


def _value(b: Builder, snap: Snapshot, cur: Cursor, key: str) -> None:
    table = _table_for(cur)
    spec = table.get(key) if table is not None else None
    if spec is None:
        return
    if spec.name == "model":
        _models(b, snap, cur)
        return
    if spec.name == "provider":
        _providers(b)
        return
    if spec.type == "node_ref":
        _node_ids(b, snap)
        return
    if spec.name in ("stop_condition", "steer_condition"):
        node = cur.node
        _condition(b, snap, cur, cur.prefix[cur.prefix.index(":") + 1 :], node.name if node else None, after=False)
        return
    if spec.name == "class":
        for rule in snap.workflow.stylesheet:
            if rule.selector.kind == "class":
                b.add(rule.selector.value, K.EnumMember, "stylesheet class")
        return
    if spec.name == "reads" and cur.node is not None:
        _context_keys(b, cur.node.name, prefix="")
        return
    for v in spec.values:
        b.add(v, K.EnumMember, spec.name, spec.doc)
    if spec.type in ("bool", "legacy_bool"):
        for v in ("true", "false"):
            b.add(v, K.EnumMember, spec.name)


def _models(b: Builder, snap: Snapshot, cur: Cursor) -> None:
    try:
        from tracker.llm import catalog
    except ImportError:
        return
    provider = ""
    node = snap.workflow.node(cur.node.name) if cur.node is not None else None
    if node is not None:
        provider = getattr(node, "provider", "")
    if not provider:
        provider = snap.workflow.defaults.provider
    try:
        names = catalog.known_models(provider or None)
    except Exception:
        names = []
    for name in names:
        info = catalog.model_info(name)
        detail = info.display_name if info is not None else ""
        if info is not None and info.context_window:
            detail += f" · {info.context_window // 1000}k context"
        doc = f"Provider: `{info.provider}`" if info is not None else ""
        b.add(name, K.Value, detail, doc)


def _providers(b: Builder) -> None:
    names: list[str] = list(F.PROVIDERS)
    try:
        from tracker.llm.catalog import known_providers

        names += [p for p in known_providers() if p not in names]
    except ImportError:
        pass
    for name in names:
        b.add(name, K.EnumMember, "provider")


def _node_ids(b: Builder, snap: Snapshot, exclude: str = "") -> None:
    for node in snap.workflow.nodes:
        if node.id == exclude:
            continue
        detail = f"{node.kind} node" + (f" · {node.label}" if node.label and node.label != node.id else "")
        b.add(node.id, K.Reference, detail, F.KIND_DOCS.get(node.kind, ""))


# ---------------------------------------------------------------------------- edges and conditions
def _edge(b: Builder, snap: Snapshot, cur: Cursor) -> None:
    prefix = cur.prefix
    if "->" not in prefix:
        if re.fullmatch(r"\s*[\w\-./]*", prefix):
            _node_ids(b, snap)
        return
    head, _, tail = prefix.partition("->")
    source = head.strip()
    if re.fullmatch(r"\s*[\w\-./\"]*", tail):
        _node_ids(b, snap, exclude="")
        return
    m = re.search(r"\bwhen\b(.*)$", tail)
    if m is not None and not re.search(r"\b(label|weight|restart|choice|override)\s*:", m.group(1)):
        _condition(b, snap, cur, m.group(1), source, after=True)
        return
    if re.search(r"\bon\s+\w*$", tail):
        for v in CONDITION_VALUES["outcome"]:
            b.add(v, K.EnumMember, "outcome")
        return
    if tail.endswith(" ") or re.search(r"\s\w+$", tail):
        for name, doc in F.EDGE_ATTRIBUTES.items():
            insert = name + " " if name in ("when", "on", "loop") else name + ": "
            b.add(name, K.Keyword, "edge attribute", doc, insert=insert.rstrip() if name == "loop" else insert)


def _condition(b: Builder, snap: Snapshot, cur: Cursor, text: str, node_id: str | None, after: bool) -> None:
    """Complete inside a condition: a variable, an operator or a value."""
    tokens = re.findall(r"\"[^\"]*\"?|'[^']*'?|&&|\|\||[()!]|[=!<>]=?|[^\s()=!<>]+", text)
    ends_with_space = text.endswith((" ", "\t", "(")) or not text.strip()
    complete = tokens if ends_with_space else tokens[:-1]
    state = "variable"
    variable = ""
    for tok in complete:
        if state == "variable":
            if tok in _CONNECTIVES:
                continue
            variable, state = tok, "operator"
        elif state == "operator":
            if tok == "not":
                continue
            state = "value"
        else:
            state = "connective"
            if tok in ("and", "or", "&&", "||"):
                state = "variable"
        if state == "connective" and tok in ("and", "or", "&&", "||"):
            state = "variable"
    if state == "variable":
        if node_id:
            _context_keys(b, node_id, prefix="ctx.", after=after)
        for name in sorted(_analysis_attr(b, "graph_attrs")):
            b.add(f"graph.{name}", K.Variable, "graph attribute")
        for name in sorted(_analysis_attr(b, "params")):
            b.add(f"params.{name}", K.Variable, "workflow variable")
        b.add("not", K.Keyword, "negation")
    elif state == "operator":
        for op in OPERATORS:
            b.add(op, K.Operator, "condition operator")
        b.add("not", K.Keyword, "negated word operator (`not contains`)")
    elif state == "value":
        key = variable[4:] if variable.startswith("ctx.") else variable
        for v in CONDITION_VALUES.get(key, ()):
            b.add(v, K.EnumMember, key)
        if key == "preferred_label" and node_id:
            for edge in snap.workflow.edges:
                if edge.source == node_id and edge.routing_key:
                    b.add(edge.routing_key, K.EnumMember, f"edge to {edge.target}")
        if key in ("tool_stdout", "tool_route", "tool_marker") and node_id:
            node = snap.workflow.node(node_id)
            for out in getattr(node, "outputs", ()):
                b.add(out, K.EnumMember, "declared tool output")
    else:
        for word in ("and", "or"):
            b.add(word, K.Keyword, "connective")


def _analysis_attr(b: Builder, name: str) -> dict[str, Any]:
    analysis = b.analysis()
    value = getattr(analysis, name, None) if analysis is not None else None
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------- ${...}
def _interpolation(b: Builder, snap: Snapshot, cur: Cursor, at: int) -> None:
    expr = cur.prefix[at + 2 :]
    close = "" if cur.line[cur.character : cur.character + 1] == "}" else "}"
    if "." not in expr:
        b.replace_from(at + 2)
        for ns in KNOWN_NAMESPACES:
            b.add(ns, K.Module, "namespace", NAMESPACE_DOCS.get(ns, ""), insert=ns + ".")
        return
    ns, _, _partial = expr.partition(".")
    b.replace_from(at + 2 + len(ns) + 1)
    node_id = _reading_node(snap, cur)
    if ns == "ctx":
        if node_id is not None:
            _context_keys(b, node_id[0], prefix="", close=close, after=node_id[1])
    elif ns == "params":
        for name, writer in _analysis_attr(b, "params").items():
            b.add(name, K.Variable, "workflow variable", getattr(writer, "description", ""), insert=name + close)
    elif ns == "graph":
        for name, desc in _analysis_attr(b, "graph_attrs").items():
            b.add(name, K.Variable, "graph attribute", str(desc), insert=name + close)
    elif ns == "inputs":
        for name, writer in _analysis_attr(b, "inputs").items():
            b.add(name, K.Variable, "declared input", getattr(writer, "description", ""), insert=name + close)


def _reading_node(snap: Snapshot, cur: Cursor) -> tuple[str, bool] | None:
    """The node whose context a ``${ctx...}`` at the cursor reads: the enclosing node, or
    for an edge line its source node (after it ran)."""
    if cur.node is not None:
        return cur.node.name, False
    section = cur.section
    if section is not None and section.word == "edges":
        m = _EDGE_LINE.match(cur.line)
        if m is not None:
            return m.group("src"), True
    return None


def _context_keys(b: Builder, node_id: str, prefix: str, close: str = "", after: bool = False) -> None:
    """Context keys; their documentation is filled in by ``completionItem/resolve`` (the
    item carries a small token; what it refers to is remembered here)."""
    cache_key: tuple[object, ...] | None = None
    if b.shared_range and b.cache is not None and not b.items:
        analysis = b.analysed.analysis()
        # Items depend only on which keys are set where, and by which nodes: analyses of
        # versions that agree on that share a generation (and these items).
        generation = getattr(analysis, "generation", None) or (id(analysis), b.analysed.version)
        cache_key = (generation, b.uri, node_id, after, prefix, close, b.snippets)
        hit = b.cache.get(cache_key)
        if hit is not None and analysis is not None:
            b.items = hit
            b.seen.update(item["label"] for item in hit)
            if b.memo is not None and hit and isinstance(hit[0].get("data"), list):
                token = hit[0]["data"][0]
                b.memo.pop(token, None)
                b.memo[token] = (b.uri, node_id, after)  # resolve must still find it
            return
    token = next(_tokens)
    if b.memo is not None:
        b.memo[token] = (b.uri, node_id, after)
    for key, info in sorted(b.keys(node_id, after).items()):
        data = [token, key]
        b.add(prefix + key, K.Variable, _key_detail(info), insert=prefix + key + close, sort="0" if info.always else "1", data=data)
    if cache_key is not None and b.cache is not None and len(b.items) > 50:
        b.items = EncodedList(b.items)  # encoded once, sent as often as it is reused
        b.cache[cache_key] = b.items
        while len(b.cache) > 8:
            del b.cache[next(iter(b.cache))]


def _key_detail(info: Any) -> str:
    writers = sorted({w.node_id for w in info.writers if w.node_id})
    when = "always set" if info.always else "set on some paths"
    return f"{when}" + (f" · by {', '.join(writers[:4])}" + ("…" if len(writers) > 4 else "") if writers else "")


def _key_doc(key: str, info: Any) -> str:
    lines = []
    meaning = _meaning(key)
    if meaning:
        lines.append(meaning)
    lines.append("**Always set here.**" if info.always else "**Only set on some paths to here.**")
    for w in info.writers[:8]:
        who = f"`{w.node_id}`" if w.node_id else "the run"
        lines.append(f"- {who}: {w.description}")
    return "\n\n".join(lines[:2]) + ("\n\n" + "\n".join(lines[2:]) if len(lines) > 2 else "")


def _meaning(key: str) -> str:
    try:
        from tracker.dippin.context_keys import meaning
    except ImportError:
        return ""
    return meaning(key)


def _child_params(b: Builder, snap: Snapshot, cur: Cursor) -> None:
    """Inside a subgraph's ``params:`` block: the child workflow's variables."""
    node = snap.workflow.node(cur.node.name) if cur.node is not None else None
    ref = getattr(node, "ref", "")
    if not ref or not snap.result.path or not re.fullmatch(r"\s*[\w\-]*", cur.prefix):
        return
    from pathlib import Path

    from tracker.dippin import load_file

    child = Path(snap.result.path).parent / ref
    try:
        result = load_file(child)
    except OSError:
        return
    for name, decl in result.workflow.vars.items():
        b.add(name, K.Property, f"parameter of {child.name}", f"Default: `{decl.value}`" if decl.value else "", insert=f"{name}: ")


def register(server: TrackerServer) -> None:
    options = lsp.CompletionOptions(trigger_characters=[".", "{", ">", " ", ":", ","], resolve_provider=True)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, options)
    def completion(params: lsp.CompletionParams) -> dict[str, Any] | None:
        return complete(server, params)

    @server.feature(lsp.COMPLETION_ITEM_RESOLVE)
    def resolve(item: lsp.CompletionItem) -> lsp.CompletionItem:
        return resolve_item(server, item)


def resolve_item(server: TrackerServer, item: lsp.CompletionItem) -> lsp.CompletionItem:
    """Add the documentation of a context-key item: meaning, certainty, writers."""
    data = item.data
    if not isinstance(data, list) or len(data) != 2:
        return item
    token, key = data
    found = server.completion_memo.get(token) if isinstance(token, int) else None
    if found is None:
        return item
    uri, node_id, after = found
    doc = server.document(uri)
    if doc is None:
        return item
    analysis = doc.analysed(server.encoding).analysis()
    if analysis is None:
        return item
    fn = getattr(analysis, "key_info_after", None) if after else analysis.key_info
    info = (fn or analysis.key_info)(node_id, str(key))
    if info is not None:
        item.documentation = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=_key_doc(str(key), info))
    return item

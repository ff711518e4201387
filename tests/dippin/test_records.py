"""The record builder behaves like the ``@dataclass`` options it replaces."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from tracker.dippin.ir import AgentNode, NodeBase
from tracker.dippin.records import record


@record
class Base:
    name: str
    kind: str = "base"
    tags: list[str] = dataclasses.field(default_factory=list)


@record
class Child(Base):
    kind: str = "child"
    extra: int = 0


@record(kw_only=False, eq=True, frozen=True)
class Token:
    kind: str
    start: int
    end: int = 0


@record(kw_only=False, eq=True, slots=False)
class Table:
    names: tuple[str, ...]
    index: dict[str, int] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for position, name in enumerate(self.names):
            self.index.setdefault(name, position)


def test_keyword_only_init_with_defaults_and_fresh_factory_values() -> None:
    first, second = Base(name="a"), Base(name="b", tags=["x"])
    assert (first.name, first.kind, first.tags) == ("a", "base", [])
    assert second.tags == ["x"]
    assert Base(name="c").tags is not first.tags  # each instance gets its own list
    with pytest.raises(TypeError):
        Base("a")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Base()  # type: ignore[call-arg]


def test_inheritance_keeps_field_order_and_overrides_defaults() -> None:
    assert [f.name for f in dataclasses.fields(Child)] == ["name", "kind", "tags", "extra"]
    child = Child(name="n", extra=2)
    assert (child.kind, child.extra, child.tags) == ("child", 2, [])
    assert isinstance(child, Base)
    node = AgentNode(id="A")
    assert node.kind == "agent" and isinstance(node, NodeBase)


def test_slots_and_identity_equality() -> None:
    item = Base(name="a")
    assert not hasattr(item, "__dict__")
    with pytest.raises(AttributeError):
        item.unknown = 1  # type: ignore[attr-defined]
    assert item == item and Base(name="a") != Base(name="a")
    assert hash(item) == object.__hash__(item)
    assert repr(Child(name="n", extra=3)) == "Child(name='n', kind='child', extra=3)"


def test_dataclasses_functions_see_records() -> None:
    item = Child(name="n", tags=["t"])
    assert dataclasses.is_dataclass(item) and dataclasses.is_dataclass(Child)
    fields = {f.name: f for f in dataclasses.fields(item)}
    assert fields["kind"].default == "child"
    assert fields["tags"].default_factory is list
    changed = dataclasses.replace(item, extra=5)
    assert (changed.name, changed.tags, changed.extra) == ("n", ["t"], 5)
    assert dataclasses.asdict(changed) == {"name": "n", "kind": "child", "tags": ["t"], "extra": 5}


def test_dataclass_options_positional_eq_frozen_hash() -> None:
    token = Token("word", 1, 4)
    assert token == Token(kind="word", start=1, end=4) and token != Token("word", 1)
    assert hash(token) == hash(Token("word", 1, 4)) == hash(("word", 1, 4))
    assert len({token, Token("word", 1, 4)}) == 1
    assert repr(token) == "Token(kind='word', start=1, end=4)"
    assert Token.__match_args__ == ("kind", "start", "end")
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.start = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del token.kind  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(token)) == token
    assert copy.copy(token) == token


def test_eq_before_and_after_the_first_init_agree() -> None:
    @record(kw_only=False, eq=True, frozen=True)
    class Pair:
        left: int
        right: int

    revived = pickle.loads(pickle.dumps(Token("w", 2)))  # made without calling __init__
    assert revived == pickle.loads(pickle.dumps(Token("w", 2)))
    assert Pair(1, 2) == Pair(1, 2) and Pair(1, 2) != Pair(2, 1)
    assert Pair(1, 2).__eq__(Token("w", 1)) is NotImplemented


def test_post_init_and_unhashable_mutable_records() -> None:
    table = Table(("a", "b", "a"))
    assert table.index == {"a": 0, "b": 1}
    assert table == Table(("a", "b", "a")) and table != Table(("b",))
    assert table.__dict__ == {"names": ("a", "b", "a"), "index": {"a": 0, "b": 1}}
    with pytest.raises(TypeError):
        hash(table)
    assert "index" not in Table.__dict__  # a factory field leaves no class attribute


def test_records_without_slots_stay_the_decorated_class() -> None:
    class Named:
        def describe(self) -> str:
            return "named"

    @record(kw_only=False, eq=True, slots=False)
    class Item(Named):
        name: str = "x"

        def describe(self) -> str:
            return super().describe() + ":" + self.name

    assert Item().describe() == "named:x" and Item.name == "x"


def test_mutable_default_is_rejected() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @record
        class Bad:
            items: list[str] = []  # noqa: RUF012

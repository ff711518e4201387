"""The record decorator: a cheap replacement for ``@dataclass`` on the start-up path.

``@record`` makes a slotted class with a keyword-only ``__init__`` (defaults and
``field(default_factory=...)`` as in dataclasses), no generated ``__eq__`` (records
compare by identity) and :func:`record_repr` as its representation; this is what the IR
and diagnostic classes use. :func:`tracker.dippin.ir_data.to_data` gives value comparisons.
``@record(kw_only=False, eq=True, frozen=True, slots=False)`` gives the behaviour of the
same ``@dataclass(...)`` options (positional ``__init__``, field-wise ``__eq__`` and
``__hash__``, the dataclass ``__repr__``, ``__post_init__``), for the helper classes.

The standard builder costs about a millisecond per class (a compile for every generated
method, signature checks), which was the largest part of CLI start-up. Here ``__eq__``,
``__hash__``, ``__repr__`` and the frozen guards are shared functions, and ``__init__``
is compiled on the first instantiation, so classes a run never creates cost nothing.
Records fill ``__dataclass_fields__`` with :class:`dataclasses.Field` objects, so
:func:`dataclasses.fields`, :func:`dataclasses.is_dataclass` and
:func:`dataclasses.replace` work on them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_MISSING: Any = dataclasses.MISSING
_FIELD_KIND: Any = dataclasses._FIELD  # type: ignore[attr-defined]  # what fields() filters on
_MUTABLE_DEFAULTS = (list, dict, set)
_USE_FACTORY = object()  # default for parameters whose value comes from a factory


def record_repr(self: Any) -> str:
    """Show the fields that differ from their defaults (enough to debug with)."""
    parts = []
    for f in dataclasses.fields(self):
        if f.name.startswith("_"):
            continue
        value = getattr(self, f.name)
        if value in ("", 0, None, False, [], {}) and value is not True:
            continue
        parts.append(f"{f.name}={value!r}")
    return f"{type(self).__name__}({', '.join(parts)})"


def _dataclass_repr(self: Any) -> str:
    """The representation ``@dataclass`` generates: every field with ``repr=True``."""
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr)
    return f"{type(self).__qualname__}({shown})"


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(
    *, kw_only: bool = True, eq: bool = False, frozen: bool = False, slots: bool = True
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(kw_only_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(
    cls: type[T] | None = None,
    /,
    *,
    kw_only: bool = True,
    eq: bool = False,
    frozen: bool = False,
    slots: bool = True,
) -> type[T] | Callable[[type[T]], type[T]]:
    """Make ``cls`` a record (see the module docstring)."""

    def build(target: type[T]) -> type[T]:
        return _build(target, kw_only=kw_only, eq=eq, frozen=frozen, slots=slots)

    return build if cls is None else build(cls)


def _build(cls: type[T], *, kw_only: bool, eq: bool, frozen: bool, slots: bool) -> type[T]:
    fields = _collect_fields(cls, kw_only)
    namespace = dict(cls.__dict__)
    if slots:
        inherited_slots = _inherited_slots(cls)
        namespace["__slots__"] = tuple(name for name in fields if name not in inherited_slots)
        for name in fields:
            namespace.pop(name, None)
        namespace.pop("__dict__", None)  # the new class makes its own (or none, with slots)
        namespace.pop("__weakref__", None)
    namespace["__dataclass_fields__"] = fields
    namespace["__match_args__"] = tuple(f.name for f in fields.values() if f.init and not f.kw_only)
    namespace["__init__"] = _compile_on_first_call(cls.__qualname__)
    namespace["__record_frozen__"] = frozen
    compared = tuple(f.name for f in fields.values() if f.compare)
    if "__repr__" not in namespace:
        namespace["__repr__"] = _dataclass_repr if (eq or frozen or not kw_only) else record_repr
    if eq:
        _add_equality(namespace, compared, frozen)
    if slots:  # slots need a new class
        metaclass: Any = type(cls)
        made: type[T] = metaclass(cls.__name__, cls.__bases__, namespace)
        made.__qualname__ = cls.__qualname__
    else:  # as @dataclass does: the class itself, class attributes hold plain defaults
        made = cls
        for name, value in namespace.items():
            if name not in cls.__dict__ or cls.__dict__[name] is not value:
                setattr(cls, name, value)
        for f in fields.values():
            if isinstance(cls.__dict__.get(f.name), dataclasses.Field):
                if f.default is _MISSING:
                    delattr(cls, f.name)
                else:
                    setattr(cls, f.name, f.default)
    if frozen:
        _freeze(made, tuple(fields), slots)
    return made


def _collect_fields(cls: type, kw_only: bool) -> dict[str, dataclasses.Field[Any]]:
    """Inherited fields in base order, then this class's own (a redefinition keeps its place)."""
    collected: dict[str, dataclasses.Field[Any]] = {}
    for base in cls.__mro__[-1:0:-1]:
        collected.update(base.__dict__.get("__dataclass_fields__", {}))
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063 - inspect is slow to import
        if isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        if isinstance(value, dataclasses.Field):
            made = value
        else:
            if isinstance(value, _MUTABLE_DEFAULTS):
                raise ValueError(f"mutable default {type(value)} for field {name} is not allowed: use default_factory")
            made = dataclasses.field(default=value)
        made.name = name
        made.type = annotation
        made._field_type = _FIELD_KIND  # type: ignore[attr-defined]
        if made.kw_only is _MISSING:
            made.kw_only = kw_only
        collected[name] = made
    return collected


def _inherited_slots(cls: type) -> set[str]:
    names: set[str] = set()
    for base in cls.__mro__[1:-1]:
        declared = base.__dict__.get("__slots__", ())
        names.update((declared,) if isinstance(declared, str) else declared)
    return names


def _add_equality(namespace: dict[str, Any], compared: tuple[str, ...], frozen: bool) -> None:
    """Field-wise ``__eq__`` (same class only), and ``__hash__`` as ``@dataclass`` sets it."""
    as_tuple: Callable[[Any], Any]
    if len(compared) > 1:
        as_tuple = attrgetter(*compared)  # a tuple of the values, at C speed
    else:
        single = compared[0] if compared else None

        def as_tuple(obj: Any) -> tuple[Any, ...]:
            return (getattr(obj, single),) if single else ()

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(as_tuple(self) == as_tuple(other))
        return NotImplemented

    __eq__.__record_generic__ = True  # type: ignore[attr-defined]
    namespace["__eq__"] = __eq__
    if "__hash__" in namespace and namespace["__hash__"] is not None:
        return  # the class wrote its own
    if frozen:

        def __hash__(self: Any) -> int:
            return hash(as_tuple(self))

        __hash__.__record_generic__ = True  # type: ignore[attr-defined]
        namespace["__hash__"] = __hash__
    else:
        namespace["__hash__"] = None


def _freeze(cls: Any, names: tuple[str, ...], slots: bool) -> None:
    """Assignment and deletion of fields raise ``FrozenInstanceError``, as with ``frozen=True``."""
    field_names = frozenset(names)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in field_names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in field_names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    cls.__setattr__ = __setattr__
    cls.__delattr__ = __delattr__
    if slots and "__getstate__" not in cls.__dict__:

        def __getstate__(self: Any) -> list[Any]:
            return [getattr(self, name) for name in names]

        def __setstate__(self: Any, state: list[Any]) -> None:
            for name, value in zip(names, state, strict=True):
                object.__setattr__(self, name, value)

        cls.__getstate__ = __getstate__
        cls.__setstate__ = __setstate__


def _compile_on_first_call(qualname: str) -> Any:
    """An ``__init__`` that compiles the real one, installs it on its class and runs it.

    A compile costs about 0.25 ms; a CLI run instantiates only some of the classes.
    """

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        owner = _owner(type(self), __init__)
        real = _make_init(owner)
        type.__setattr__(owner, "__init__", real)
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{qualname}.__init__"
    return __init__


def _owner(cls: type, init: Any) -> type:
    for klass in cls.__mro__:
        if klass.__dict__.get("__init__") is init:
            return klass
    raise TypeError(f"{cls.__name__}: record __init__ not found")


def _make_init(cls: type) -> Any:
    """Compile ``__init__`` (and ``__eq__``/``__hash__``, installed on ``cls``) in one go.

    Defaults and factories are closure variables, as in the code ``@dataclass`` generates.
    """
    fields: list[dataclasses.Field[Any]] = list(cls.__dataclass_fields__.values())  # type: ignore[attr-defined]
    frozen = bool(getattr(cls, "__record_frozen__", False))
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    closure: dict[str, Any] = {"_USE_FACTORY": _USE_FACTORY, "_set": object.__setattr__}
    for f in fields:
        name = f.name
        if f.default_factory is not _MISSING:
            closure[f"_factory_{name}"] = f.default_factory
            param = f"{name}=_USE_FACTORY"
            value = f"_factory_{name}() if {name} is _USE_FACTORY else {name}" if f.init else f"_factory_{name}()"
        elif f.default is not _MISSING:
            closure[f"_default_{name}"] = f.default
            param = f"{name}=_default_{name}"
            value = name if f.init else f"_default_{name}"
        else:
            param = value = name
        if f.init:
            (keyword if f.kw_only else positional).append(param)
        elif f.default is _MISSING and f.default_factory is _MISSING:
            continue
        body.append(f"  _set(self, {name!r}, {value})" if frozen else f"  self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    required = [p for p in keyword if "=" not in p]
    optional = [p for p in keyword if "=" in p]
    signature = ", ".join(["self", *positional, *(["*", *required, *optional] if keyword else [])])
    lines = [f"def __make__({', '.join(closure)}):", f" def __init__({signature}):", *(body or ["  pass"])]
    methods = ["__init__"]
    generic = cls.__dict__.get("__eq__")
    if getattr(generic, "__record_generic__", False):  # replace the shared versions by compiled ones
        compared = [f.name for f in fields if f.compare]
        mine = "".join(f"self.{name}," for name in compared)
        theirs = "".join(f"other.{name}," for name in compared)
        lines += [
            " def __eq__(self, other):",
            "  if other.__class__ is self.__class__:",
            f"   return ({mine}) == ({theirs})",
            "  return NotImplemented",
        ]
        methods.append("__eq__")
        if getattr(cls.__dict__.get("__hash__"), "__record_generic__", False):
            lines += [" def __hash__(self):", f"  return hash(({mine}))"]
            methods.append("__hash__")
    lines.append(f" return {', '.join(methods)},")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines) + "\n", f"<record {cls.__qualname__}>", "exec"), {}, namespace)  # source built from field names only
    made = namespace["__make__"](**closure)
    for name, function in zip(methods, made, strict=True):
        function.__qualname__ = f"{cls.__qualname__}.{name}"
        if name != "__init__":
            type.__setattr__(cls, name, function)
    return made[0]

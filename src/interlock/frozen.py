"""A cheaper ``__init__`` for the frozen, slotted dataclasses made on every check.

A frozen dataclass's generated ``__init__`` stores each field with
``object.__setattr__(self, name, value)``: a global lookup, an attribute lookup and a
generic attribute store per field, about 1 µs for a nine-field value on the
benchmark machine, as much as the whole tree-sitter parse of a short command. The
classifier builds a few of these per command (issue 2's ``make bench`` compares the
classification with the parse alone), so ``quick_init`` replaces that ``__init__`` with
one that calls each slot's own descriptor setter instead: same signature, same
defaults and default factories, same values, and the instance stays frozen (its
``__setattr__`` still raises). Classes with ``__post_init__``, keyword-only or
``init=False`` fields keep the generated ``__init__``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

_T = TypeVar("_T")


def quick_init(cls: type[_T]) -> type[_T]:
    """Give the frozen, slotted dataclass ``cls`` a faster, equivalent ``__init__``."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if hasattr(cls, "__post_init__") or not all(f.init and not f.kw_only for f in fields):
        return cls
    namespace: dict[str, Any] = {"_MISSING": dataclasses.MISSING}
    params: list[str] = []
    body: list[str] = []
    for f in fields:
        namespace[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f" if {f.name} is _MISSING: {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
        body.append(f" _set_{f.name}(self, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or [" pass"])
    exec(source, namespace)  # noqa: S102 - source built from field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 - mypy forbids assigning a method
    return cls

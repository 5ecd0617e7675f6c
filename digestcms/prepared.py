"""Querysets compiled to SQL once, then run with each call's values.

Django turns a queryset into SQL every time it runs it. For the small, hot queries of an
uncached public page that costs several times the query itself: the digest page's edition
query (two subqueries for its neighbours) takes about 1 ms to compile and 0.1 ms to run on
SQLite. ``PreparedQuery`` compiles a ``values_list`` queryset once per database, with a
placeholder value for each parameter, and afterwards only swaps the values in.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

# A placeholder for each kind of value, unlike anything a real query would compare with.
_PLACEHOLDERS: dict[type, Callable[[int], Any]] = {
    int: lambda n: -7_301_234_567_000 - n,
    str: lambda n: f"\x1bprepared-query-placeholder-{n}\x1b",
    date: lambda n: date(1, 1, 1 + n),
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str, bool], ...]  # (index in params, name, passed as str())
    compiler: Any
    row: type


class PreparedQuery:
    """``build(**values)`` must return a ``values_list`` queryset; ``kinds`` names its
    parameters and their types (int, str or date). ``rows(**values)`` runs it.

    Each value must reach the SQL as a parameter of its own, as ``filter(field=value)`` puts
    it; a lookup that rewrites it (``contains``, ``year``) is refused when compiling.
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        unknown = {name: kind for name, kind in kinds.items() if kind not in _PLACEHOLDERS}
        if unknown:
            raise TypeError(f"PreparedQuery takes int, str and date values, not {unknown}")
        self.build, self.kinds = build, kinds
        self._queryset: QuerySet | None = None  # built once, with the placeholders
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, **values: Any) -> list[tuple]:
        """The rows, as named tuples with the ``values_list`` field names."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"rows() takes {sorted(self.kinds)}, not {sorted(values)}")
        using = self.db
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for index, name, as_str in compiled.slots:
            params[index] = str(values[name]) if as_str else values[name]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            results = [cursor.fetchall()]
        row = compiled.row
        return [row._make(values) for values in compiled.compiler.results_iter(results)]

    def _placeholders(self) -> dict[str, Any]:
        return {name: _PLACEHOLDERS[kind](n) for n, (name, kind) in enumerate(self.kinds.items())}

    def _compile(self, using: str) -> _Compiled:
        placeholders = self._placeholders()
        query = self.build(**placeholders).query
        if query.values_select == () and not query.annotation_select:
            raise TypeError("PreparedQuery needs a values_list() queryset")
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for index, param in enumerate(params):
            for name, placeholder in placeholders.items():
                if param == placeholder or (
                    isinstance(placeholder, date) and param == str(placeholder)
                ):
                    slots.append((index, name, param != placeholder))
        missing = set(placeholders) - {name for _, name, _ in slots}
        if missing:
            raise ValueError(f"{sorted(missing)} did not reach the SQL as parameters: {sql}")
        names = [alias for _, _, alias in compiler.select[: compiler.col_count]]  # SQL order
        compiled = _Compiled(sql, tuple(params), tuple(slots), compiler, namedtuple("Row", names))
        self._compiled[using] = compiled
        return compiled

    @property
    def db(self) -> str:
        """The database alias the rows come from."""
        if self._queryset is None:
            self._queryset = self.build(**self._placeholders())
        return self._queryset.db


def loaded(model: type[Model], db: str, **values: Any) -> Model:
    """An instance of ``model`` as if loaded from ``db`` with ``values`` only (the other
    fields deferred, as ``only()`` leaves them): ``Model.from_db`` with its fields in order."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    if len(names) != len(values):
        raise TypeError(f"not fields of {model.__name__}: {sorted(set(values) - set(names))}")
    return model.from_db(db, names, [values[name] for name in names])

"""Querysets compiled to SQL once, then run with each call's values.

Django turns a queryset into SQL every time it runs it. For the small, hot queries of an
uncached public page that costs several times the query itself: the digest page's edition
query (two subqueries for its neighbours) takes about 1 ms to compile and 0.1 ms to run on
SQLite. ``PreparedQuery`` compiles a ``values_list`` queryset once per database and
afterwards only swaps each call's values into its parameters.
"""

from __future__ import annotations

import copy
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import NamedValuesListIterable, ValuesListIterable

# Two values of each kind: the query is compiled with the first for every parameter, then
# once more per parameter with the second, and the parameters that changed are its slots.
# Small numbers fit every integer field's range; the strings hold what LIKE lookups escape.
_PLACEHOLDERS: dict[type, tuple[Any, Any]] = {
    int: (101, 102),
    str: ("p%_\\1", "p%_\\2"),
    date: (date(2000, 1, 1), date(2000, 1, 2)),
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str, bool], ...]  # (index in params, name, passed as str())
    compiler: Any  # its select list and column count; the connection is set per call
    row: type


class PreparedQuery:
    """``build(**values)`` must return a ``values_list`` queryset; ``kinds`` names its
    parameters and their types (int, str or date). ``rows(**values)`` runs it.

    Each value must reach the SQL as a parameter of its own, unchanged, as
    ``filter(field=value)`` puts it; a lookup that rewrites or escapes it (``contains``,
    ``iexact`` on SQLite) or changes the SQL with it is refused when compiling. ``build``
    runs once per process: nothing in it may depend on the time or the request.
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        unknown = {name: kind for name, kind in kinds.items() if kind not in _PLACEHOLDERS}
        if unknown:
            raise TypeError(f"PreparedQuery takes int, str and date values, not {unknown}")
        self.build, self.kinds = build, kinds
        self._queryset: QuerySet | None = None  # built once, with the placeholders
        self._compiled: dict[str, _Compiled] = {}

    @property
    def db(self) -> str:
        """The database alias the rows come from (the router's choice for the queryset)."""
        if self._queryset is None:
            self._queryset = self._build(0)
        return self._queryset.db

    def rows(self, **values: Any) -> list[tuple]:
        """The rows, as named tuples with the ``values_list`` field names."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"rows() takes {sorted(self.kinds)}, not {sorted(values)}")
        wrong = {k: v for k, v in values.items() if type(v) is not self.kinds[k]}
        if wrong:
            raise TypeError(f"rows() values must be of the declared kinds, not {wrong}")
        using = self.db
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for index, name, as_str in compiled.slots:
            params[index] = str(values[name]) if as_str else values[name]
        connection = connections[using]  # this thread's
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            results = [cursor.fetchall()]
        compiler = copy.copy(compiled.compiler)  # converters are built for this connection
        compiler.connection = connection
        row = compiled.row
        return [row._make(values) for values in compiler.results_iter(results)]

    def _build(self, variant: int, name: str | None = None) -> QuerySet:
        """The queryset with every parameter at its first placeholder, ``name``'s (if any)
        at ``variant``."""
        values = {
            key: _PLACEHOLDERS[kind][variant if key == name else 0]
            for key, kind in self.kinds.items()
        }
        return self.build(**values)

    def _sql(self, using: str, name: str | None = None) -> tuple[Any, str, list]:
        queryset = self._build(1, name)
        if queryset._iterable_class not in (ValuesListIterable, NamedValuesListIterable):
            raise TypeError("PreparedQuery needs a values_list() queryset (not flat)")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        return compiler, sql, list(params)

    def _compile(self, using: str) -> _Compiled:
        compiler, sql, params = self._sql(using)
        slots = []
        for name, kind in self.kinds.items():
            _, other_sql, other_params = self._sql(using, name)
            if other_sql != sql or len(other_params) != len(params):
                raise ValueError(f"{name!r} changes the SQL, not only its parameters: {sql}")
            pairs = enumerate(zip(params, other_params, strict=True))
            changed = [index for index, (first, second) in pairs if first != second]
            if not changed:
                raise ValueError(f"{name!r} did not reach the SQL as a parameter: {sql}")
            placeholder = _PLACEHOLDERS[kind][0]
            for index in changed:
                if params[index] == placeholder:
                    slots.append((index, name, False))
                elif kind is date and params[index] == str(placeholder):  # SQLite's dates
                    slots.append((index, name, True))
                else:
                    raise ValueError(f"{name!r} reaches the SQL rewritten: {params[index]!r}")
        names = [alias for _, _, alias in compiler.select[: compiler.col_count]]  # SQL order
        compiler.connection = None  # each call sets its own thread's
        compiled = _Compiled(sql, tuple(params), tuple(slots), compiler, namedtuple("Row", names))
        self._compiled[using] = compiled
        return compiled


def loaded(model: type[Model], db: str, **values: Any) -> Model:
    """An instance of ``model`` as if loaded from ``db`` with ``values`` only (the other
    fields deferred, as ``only()`` leaves them): ``Model.from_db`` with its fields in order."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    if len(names) != len(values):
        raise TypeError(f"not fields of {model.__name__}: {sorted(set(values) - set(names))}")
    return model.from_db(db, names, [values[name] for name in names])

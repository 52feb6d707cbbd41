"""Statements that write one model instance, for writes sent in one round trip with others.

`insert` and `update` prepare the fields as `Model.save()` prepares them
(`pre_save`: `auto_now_add` and the like set on the instance; `get_db_prep_save`),
into SQL that `abl.audit.record(..., writes=[...])` sends in the statement that
appends the audit event (on PostgreSQL as data-modifying `WITH` queries). Unlike
`save()` they send no signal and set no primary key: use them where neither is
needed, for rows whose locks the transaction already holds.
"""

from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Model


class Write(NamedTuple):
    sql: str
    params: list[Any]


def insert(obj: Model) -> Write:
    """INSERT of `obj`'s concrete fields but its primary key (the table's default draws it)."""
    meta = obj._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    return Write(
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608 (the model's own columns)
        [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields],
    )


def update(obj: Model, names: list[str]) -> Write:
    """UPDATE of the fields `names` of `obj`'s row, found by its primary key."""
    meta = obj._meta
    concrete = {field.name: field for field in meta.concrete_fields}
    fields = [concrete[name] for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return Write(
        f"UPDATE {quote(meta.db_table)} SET {assignments}"  # noqa: S608 (the model's own columns)
        f" WHERE {quote(meta.pk.column)} = %s",
        [
            *(field.get_db_prep_save(field.pre_save(obj, False), connection) for field in fields),
            obj.pk,
        ],
    )

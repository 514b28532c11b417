"""Keyset (seek) pages for the HTML register lists.

A page is ``WHERE (sort key, id) > (last row's) ORDER BY sort key, id LIMIT n + 1``:
page 5,000 costs what page 1 does (no OFFSET, no COUNT), and a page never repeats
or skips a row when rows are added meanwhile. The API pages the same way
(``girrepo.api.pagination``, DRF's CursorPagination on the primary key); HTML lists
also sort by any column, so their cursor carries the last row's value of every
ordering key. Links are ``?cursor=…`` (opaque, URL-safe base64 JSON).

NULLs sort as PostgreSQL sorts them (last ascending, first descending, i.e. as the
largest value). Seeking past them needs an ``OR … IS NULL`` that no index range
can serve, so the nulls of a nullable leading key are a segment of their own:
the page is read from the non-null rows and, if it comes up short, completed
from the NULL rows (a second indexed query, only where the two segments meet).
"""

import datetime as dt
import hashlib
import json
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import BadRequest, FieldDoesNotExist, ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext as _

CURSOR_PARAM = "cursor"
MAX_CURSOR_LENGTH = 4000
MAX_PK = 2**63 - 1


class BadCursor(BadRequest):
    """A cursor that was not made here (or was edited): 400, never a 500."""


@dataclass(frozen=True)
class Key:
    """One ordering key: an ORM path or annotation name, its direction, and
    whether it can be NULL (then its NULL rows are a segment of their own)."""

    path: str
    descending: bool
    nullable: bool
    field: Any = None  # model field or annotation output field, to validate cursors

    def flipped(self) -> "Key":
        return replace(self, descending=not self.descending)

    @property
    def order(self) -> str:
        return f"-{self.path}" if self.descending else self.path


def ordering_keys(qs: QuerySet) -> list[Key]:
    """The queryset's ordering as keys, ending with the primary key (unique)."""
    opts = qs.model._meta
    order = list(qs.query.order_by)
    if not order and qs.query.default_ordering:
        order = list(opts.ordering)
    keys: list[Key] = []
    for item in order:
        if not isinstance(item, str) or item == "?":
            raise ValueError(f"keyset pages need field names to order by, not {item!r}")
        descending, path = item.startswith("-"), item.lstrip("-")
        if path in ("pk", opts.pk.name, opts.pk.attname):
            keys.append(Key("pk", descending, False, opts.pk))
            return keys  # unique: later keys never decide anything
        keys.append(Key(path, descending, *_resolve(qs, path)))
    keys.append(Key("pk", keys[-1].descending if keys else False, False, opts.pk))
    return keys


def _resolve(qs: QuerySet, path: str) -> tuple[bool, Any]:
    """(nullable, field) of an ordering path: annotations count as nullable."""
    if path in qs.query.annotations:
        return True, getattr(qs.query.annotations[path], "output_field", None)
    model, nullable, field = qs.model, False, None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise ValueError(f"cannot page by {path!r}") from exc
        nullable |= bool(getattr(field, "null", False)) or not field.concrete
        model = field.related_model if field.is_relation else model
    return nullable, field


def value_of(row, key: Key):
    if key.path == "pk":
        return row.pk
    value = row
    for part in key.path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, "pk", value)  # a relation ordered by its own key


def signature(keys: list[Key]) -> str:
    """Short fingerprint of an ordering: a cursor of another sort order is stale."""
    text = ",".join(k.order for k in keys)
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def _plain(value):
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(keys: list[Key], values: list, *, previous: bool = False) -> str:
    payload = {"s": signature(keys), "v": [_plain(v) for v in values]}
    if previous:
        payload["p"] = 1
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Cursor:
    values: list
    previous: bool


def decode_cursor(keys: list[Key], encoded: str) -> Cursor | None:
    """The cursor's position; None for a cursor of another sort order (then page 1).

    Raises BadCursor for anything this module did not write."""
    if len(encoded) > MAX_CURSOR_LENGTH:
        raise BadCursor(_("Invalid page cursor."))
    try:
        payload = json.loads(urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, UnicodeError) as exc:
        raise BadCursor(_("Invalid page cursor.")) from exc
    if (
        not isinstance(payload, dict)
        or set(payload) - {"s", "v", "p"}
        or not isinstance(payload.get("s"), str)
        or not isinstance(payload.get("v"), list)
        or payload.get("p", 1) != 1
    ):
        raise BadCursor(_("Invalid page cursor."))
    if payload["s"] != signature(keys):
        return None
    values = payload["v"]
    if len(values) != len(keys):
        raise BadCursor(_("Invalid page cursor."))
    return Cursor([_checked(k, v) for k, v in zip(keys, values, strict=True)], "p" in payload)


def _checked(key: Key, value):
    """A cursor value as the database will compare it; any doubt is a BadCursor."""
    if value is None:
        if key.nullable:
            return None
        raise BadCursor(_("Invalid page cursor."))
    if key.path == "pk":
        if type(value) is not int or not 0 < value <= MAX_PK:
            raise BadCursor(_("Invalid page cursor."))
        return value
    if not isinstance(value, str | int | float | bool) or len(str(value)) > 1000:
        raise BadCursor(_("Invalid page cursor."))
    field = key.field
    if field is not None and getattr(field, "is_relation", False):
        field = field.target_field  # a relation ordered by its own key
    if field is None:
        return value
    try:
        value = field.to_python(value)
        field.run_validators(value)  # e.g. an integer out of the column's range
    except (ValidationError, TypeError, ValueError) as exc:
        raise BadCursor(_("Invalid page cursor.")) from exc
    return value


NOTHING = Q(pk__in=[])


def _after_segments(keys: list[Key], values: list) -> list[Q]:
    """Conditions, read in turn, for the rows after ``values`` in ``keys`` order."""
    first, value = keys[0], values[0]
    if not first.nullable:
        return [_after_non_null(keys, values)]
    is_null = Q(**{f"{first.path}__isnull": True})
    not_null = Q(**{f"{first.path}__isnull": False})
    if value is None:  # inside the NULL block: its rest, then (descending) every value
        rest = is_null & _after_non_null(keys[1:], values[1:])
        return [rest, not_null] if first.descending else [rest]
    after = _after_non_null(keys, values)
    return [after] if first.descending else [after, is_null]


def _after_non_null(keys: list[Key], values: list) -> Q:
    """Rows after ``values`` among those whose leading key is not NULL (unless
    ``values[0]`` is). One row comparison where it is exact, which an index on the keys
    serves as a range; else the lexicographic OR form behind a range on the lead."""
    desc = keys[0].descending
    if (
        all(k.descending == desc for k in keys)
        and None not in values
        and not any(k.nullable for k in keys[1:])
    ):
        compare = TupleLessThan if desc else TupleGreaterThan
        return Q(compare(Tuple(*(F(k.path) for k in keys)), tuple(values)))
    if values[0] is None:  # a second nullable key, inside the NULL block of the first
        return _lexicographic(keys, values)
    bound = Q(**{f"{keys[0].path}__{'lte' if desc else 'gte'}": values[0]})
    return bound & _lexicographic(keys, values)


def _lexicographic(keys: list[Key], values: list) -> Q:
    result, equal = NOTHING, Q()
    for key, value in zip(keys, values, strict=True):
        result |= equal & _greater(key, value)
        equal &= Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})
    return result


def _greater(key: Key, value) -> Q:
    """Strictly after ``value`` in the key's direction, NULL counting as largest."""
    if not key.descending:
        if value is None:
            return NOTHING
        after = Q(**{f"{key.path}__gt": value})
        return after | Q(**{f"{key.path}__isnull": True}) if key.nullable else after
    if value is None:
        return Q(**{f"{key.path}__isnull": False})
    return Q(**{f"{key.path}__lt": value})


@dataclass(frozen=True)
class Partition:
    """A filtered list as the union of per-value parts (set by the region filter,
    ``girrepo.filtersets.partition_of``): ``field = v`` for each value, plus the
    ``rest`` of the rows (few) that no value holds: each a condition, or a queryset
    of primary keys read first (so that the planner sees the handful of ids, not a
    subquery it would guess at). ``implied`` are the WHERE nodes of the filter
    itself, which every ``field = v`` part implies: left out of those parts, so
    that the planner does not weigh the same long id lists a dozen times."""

    field: str
    values: list
    rest: list
    implied: tuple = ()


def _without(qs: QuerySet, nodes: tuple) -> QuerySet:
    """``qs`` less the given top-level WHERE nodes (as is, if any is not there)."""
    if not nodes:
        return qs
    clone = qs.all()
    where = clone.query.where
    if where.connector != "AND" or where.negated:
        return qs
    kept = list(where.children)
    for node in nodes:
        found = next((i for i, child in enumerate(kept) if child == node), None)
        if found is None:
            return qs
        del kept[found]
    where.children = kept
    return clone


PARTITION_ATTR = "girrepo_partition"


def with_partition(qs: QuerySet, partition: Partition | None) -> QuerySet:
    """Mark ``qs`` (its Query, which filtering and ordering copy) as partitioned."""
    if partition is not None:
        qs = qs.all()
        setattr(qs.query, PARTITION_ATTR, partition)
    return qs


def _read(ordered: QuerySet, condition: Q | None, keys: list[Key], limit: int) -> list:
    """The first ``limit`` rows of ``ordered`` (already in ``keys`` order) that meet
    ``condition``.

    A partitioned list (a region filter) is read as a merge: the first ``limit``
    rows of each region through its ``(field, key, id)`` index, plus the few rows
    of the rest, in one ``UNION ALL`` ordered again. Read plainly, ``ORDER BY name
    LIMIT 51`` would walk the name index through every other region's rows first.
    """
    qs = ordered if condition is None else ordered.filter(condition)
    partition = getattr(ordered.query, PARTITION_ATTR, None)
    if partition is None or any("__" in k.path for k in keys):
        return list(qs[:limit])
    columns = [k.path for k in keys]
    bare = _without(qs, partition.implied)
    parts = [
        bare.filter(**{partition.field: value}).values_list(*columns)[:limit]
        for value in partition.values
    ]
    for rest in partition.rest:
        if isinstance(rest, QuerySet):
            rest = Q(pk__in=list(rest))
            if not rest.children[0][1]:
                continue
        parts.append(qs.filter(rest).order_by().values_list(*columns))
    if len(parts) == 1:  # one region and nothing else: its rows are already in order
        merged = parts[0]
    else:
        merged = parts[0].union(*parts[1:], all=True).order_by(*(k.order for k in keys))[:limit]
    ids = [row[-1] for row in merged]
    if not ids:
        return []
    return list(_without(ordered, partition.implied).filter(pk__in=ids))


@dataclass
class KeysetPage:
    """One page; the view fills in what its template shows (rows and links)."""

    rows: list
    keys: list[Key]
    has_next: bool
    has_previous: bool
    is_first: bool
    object_list: Any = None
    next_url: str | None = None
    previous_url: str | None = None
    first_url: str | None = None

    def next_cursor(self) -> str | None:
        if not (self.has_next and self.rows):
            return None
        return encode_cursor(self.keys, [value_of(self.rows[-1], k) for k in self.keys])

    def previous_cursor(self) -> str | None:
        if not (self.has_previous and self.rows):
            return None
        values = [value_of(self.rows[0], k) for k in self.keys]
        return encode_cursor(self.keys, values, previous=True)


def keyset_page(qs: QuerySet, *, per_page: int, cursor: str | None) -> KeysetPage:
    """One page of ``qs`` in its own ordering, after (or, for a previous-link,
    before) the cursor's row. At most two queries, each ``LIMIT per_page + 1``."""
    keys = ordering_keys(qs)
    position = decode_cursor(keys, cursor) if cursor else None
    if position is None:
        rows = _read(qs.order_by(*(k.order for k in keys)), None, keys, per_page + 1)
        return KeysetPage(rows[:per_page], keys, len(rows) > per_page, False, True)
    seek = [k.flipped() for k in keys] if position.previous else keys
    ordered = qs.order_by(*(k.order for k in seek))
    rows: list = []
    for condition in _after_segments(seek, position.values):
        rows += _read(ordered, condition, seek, per_page + 1 - len(rows))
        if len(rows) > per_page:
            break
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not position.previous:
        return KeysetPage(rows, keys, more, True, False)
    if not more:  # back at the start: page 1 as page 1 reads
        return keyset_page(qs, per_page=per_page, cursor=None)
    rows.reverse()
    return KeysetPage(rows, keys, True, True, False)

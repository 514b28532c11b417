"""Search every register at once: Chinese, pinyin with or without tones, English,
partial words and small typos, all on indexed columns.

All registers answer in one statement (UNION ALL, one branch per register): the
rows that match through an index (the pinyin key or the name containing the query,
a code starting with it, the exact name, a region alias), at most ``CANDIDATES``
per condition, each condition planned on its own so that it reads its own index,
ranked by trigram similarity. Ranking only a bounded set keeps a common word
("普洱" in thousands of producer names) as cheap as a rare one. Typo tolerance
(pg_trgm's ``%``) runs as a second statement only for the registers where nothing
matched that way, bounded by the trigram count a match must have (indexed on the
large registers). Rows become model instances with only the columns shown loaded
(``Model.from_db``), so no ORM query building runs per register.
"""

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from girrepo.text import query_key

# pg_trgm reads a LIKE pattern through its index only with three characters or more.
MIN_TRIGRAM = 3
# Matches ranked per register and condition; the best ``limit`` of them are shown.
CANDIDATES = 40
# Typo matches: "xuanweihuotu" / "xuanweihuotui" is 0.8, "lufenshi" / "lufengshi" 0.58.
FUZZY_SIMILARITY = 0.5
CHINESE = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


def _like_contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Source:
    """One register that /search/ looks in."""

    label: Promise
    model: str  # "app_label.ModelName"
    text_fields: tuple[str, ...]  # ILIKE '%q%': each has a trigram index (or the table is small)
    name_field: str = "name"
    code_fields: tuple[str, ...] = ()  # upper-case codes matched by prefix (pattern index)
    shown: tuple[str, ...] = ()  # further columns that __str__ / get_absolute_url read
    # (foreign key, the related model's columns that __str__ reads), loaded with the row
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def model_class(self):
        return apps.get_model(self.model)


SOURCES = (
    Source(_("GI products"), "products.GIProduct", ("name", "name_en")),
    Source(_("GI marks"), "brands.GIMark", ("name",), code_fields=("registration_number",)),
    Source(
        _("Famous marks"),
        "brands.FamousMark",
        ("name",),
        code_fields=("trademark_number",),
        shown=("kind",),
    ),
    Source(
        _("Plant varieties"),
        "varieties.PlantVariety",
        ("denomination", "species_zh"),
        "denomination",
    ),
    Source(
        _("One township, one product"),
        "township_products.TownshipProduct",
        ("product_name",),
        "product_name",
        related=(("township", ("id", "name", "code")),),
    ),
    Source(_("Producers"), "producers.Producer", ("name",), code_fields=("credit_code",)),
    Source(_("Regions"), "regions.Region", ("name", "name_en", "code"), shown=("code",)),
)


@dataclass
class SearchGroup:
    label: Promise
    results: list = field(default_factory=list)


@dataclass
class _Branch:
    """One register's part of the statement: its SQL and parameters, and how its
    rows become model instances (only the columns shown are loaded, the rest are
    deferred, so boundaries and other geometry stay in PostGIS)."""

    source: Source
    model: type
    fields: list  # attnames, in the model's concrete-field order (Model.from_db)
    related: list  # (field, related model, attnames)
    index: int = 0  # position in SOURCES' registers, the statement's ``src`` column
    sql: str = ""
    params: list = field(default_factory=list)


def _branch(source: Source) -> _Branch | None:
    try:
        model = source.model_class()
    except LookupError:
        return None
    wanted = {model._meta.pk.attname, source.name_field, *source.shown}
    wanted |= {model._meta.get_field(name).attname for name, _cols in source.related}
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in wanted]
    related = []
    for name, cols in source.related:
        remote = model._meta.get_field(name).related_model
        related.append(
            (name, remote, [f.attname for f in remote._meta.concrete_fields if f.attname in cols])
        )
    return _Branch(source, model, fields, related)


def _columns(model) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _indexed_match(b: _Branch, q: str, key: str) -> tuple[list[str], list]:
    """What an index finds: exact name, name containing q, pinyin key containing
    the query's key, code starting with q, region alias."""
    col = _column_of(b.model)
    names = _columns(b.model)
    conds, params = [f"{col(b.source.name_field)} = %s"], [q]
    if len(q) >= MIN_TRIGRAM:
        for f in b.source.text_fields:
            conds.append(f"{col(f)} ILIKE %s")
            params.append(_like_contains(q))
    if len(key) >= MIN_TRIGRAM and "search_key" in names:
        conds.append(f"{col('search_key')} LIKE %s")
        params.append(_like_contains(key))
    code = q.upper().replace(" ", "")
    if code.isalnum() and code.isascii():
        for f in b.source.code_fields:
            conds.append(f"{col(f)} LIKE %s")
            params.append(f"{code}%")
    if "aliases" in names:
        conds.append(f"{col('aliases')} @> ARRAY[%s]::varchar[]")
        params.append(q)
    return conds, params


def _fuzzy_match(b: _Branch, q: str, key: str) -> tuple[list[str], list]:
    """Small typos: trigram similarity of at least ``FUZZY_SIMILARITY``. A Chinese
    query is compared with the name (a wrong character of the same sound already
    matched through the pinyin key), other text with the pinyin key too."""
    if len(key) < MIN_TRIGRAM and len(q) < MIN_TRIGRAM:
        return [], []
    col = _column_of(b.model)
    conds, params = [_similar(col(b.source.name_field))], [q, q, q]
    if not CHINESE.search(q) and len(key) >= MIN_TRIGRAM and "search_key" in _columns(b.model):
        conds.append(_similar(col("search_key")))
        params += [key, key, key]
    return conds, params


def _similar(column: str) -> str:
    """``column % text``, plus what that implies for the column's trigram count:
    with ``c`` shared trigrams of ``a`` (text) and ``b`` (column),
    ``c / (a + b - c) >= t`` needs ``t * a <= b <= a / t``. Large registers index
    that count (e.g. ``producer_name_ntrgm``), so a short query no longer rechecks
    every long name sharing a trigram with it (9,479 producer rows for 金沙江)."""
    count = f"cardinality(show_trgm({column}))"
    return (
        f"({column} %% %s AND {count} BETWEEN "
        f"ceil(cardinality(show_trgm(%s)) * {FUZZY_SIMILARITY})::integer AND "
        f"floor(cardinality(show_trgm(%s)) / {FUZZY_SIMILARITY})::integer)"
    )


def _column_of(model):
    def col(name: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(name).column)

    return col


def _sql(index: int, b: _Branch, conds: list[str], cond_params: list, q: str, key: str, limit):
    """The register's best ``limit`` rows among at most ``CANDIDATES`` matches
    (ranking a bounded set keeps a common word as cheap as a rare one)."""
    qn = connection.ops.quote_name
    col = _column_of(b.model)
    table, pk = qn(b.model._meta.db_table), qn(b.model._meta.pk.column)
    score, score_params = f"similarity(t.{col(b.source.name_field)}, %s)", [q]
    if key and "search_key" in _columns(b.model):
        score = f"GREATEST({score}, similarity(t.{col('search_key')}, %s))"
        score_params.append(key)
    cells = [
        f"t.{qn(b.model._meta.get_field(_attname_field(b.model, a)).column)}" for a in b.fields
    ]
    joins = []
    for n, (name, remote, attnames) in enumerate(b.related):
        alias = f"r{n}"
        fk = qn(b.model._meta.get_field(name).column)
        remote_pk = qn(remote._meta.pk.column)
        joins.append(
            f"LEFT JOIN {qn(remote._meta.db_table)} {alias} ON {alias}.{remote_pk} = t.{fk}"
        )
        for a in attnames:
            cells.append(f"{alias}.{qn(remote._meta.get_field(_attname_field(remote, a)).column)}")
    # Each condition's candidates apart: the planner then picks each one's index
    # (a credit-code prefix reads the pattern index) instead of one plan for the
    # ORed whole, whose match count it overestimates into a sequential scan.
    candidates = " UNION ALL ".join(
        f"(SELECT {pk} FROM {table} WHERE {c} LIMIT {CANDIDATES})" for c in conds
    )
    b.sql = (
        f"(SELECT {index} AS src, {score} AS score, t.{pk} AS pk, "
        f"json_build_array({', '.join(cells)}) AS row FROM {table} t {' '.join(joins)} "
        f"WHERE t.{pk} IN ({candidates}) "
        f"ORDER BY score DESC, pk LIMIT {int(limit)})"
    )
    b.index, b.params = index, [*score_params, *cond_params]
    return b


def _attname_field(model, attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    raise LookupError(attname)


def _run(branches: list[_Branch], *, fuzzy: bool = False) -> dict[int, list]:
    """All registers' statements as one UNION ALL: one round trip, rows by register."""
    sql = " UNION ALL ".join(b.sql for b in branches)
    params = [p for b in branches for p in b.params]
    found: dict[int, list] = {}
    with connection.cursor() as cursor:
        if fuzzy:
            # pg_trgm's ``%`` reads its threshold from the session: raised for the
            # typo statement only; the trigram indexes serve it even on small tables.
            cursor.execute(
                "SET pg_trgm.similarity_threshold = %s; SET enable_seqscan = off",
                [FUZZY_SIMILARITY],
            )
        try:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        finally:
            if fuzzy:
                cursor.execute("RESET pg_trgm.similarity_threshold; RESET enable_seqscan")
    by_index = {b.index: b for b in branches}
    for index, score, _pk, row in rows:
        b = by_index[index]
        obj = b.model.from_db(connection.alias, b.fields, row[: len(b.fields)])
        obj.score = score
        rest = row[len(b.fields) :]
        for name, remote, attnames in b.related:
            values, rest = rest[: len(attnames)], rest[len(attnames) :]
            if values[0] is not None:
                b.model._meta.get_field(name).set_cached_value(
                    obj, remote.from_db(connection.alias, attnames, values)
                )
        found.setdefault(index, []).append(obj)
    return found


def search_all(*, q: str, limit: int = 10) -> list[SearchGroup]:
    """Up to ``limit`` best matches per register, best first; empty groups left out.

    Typo tolerance (pg_trgm's ``%``) runs only for the registers where nothing
    matched through an index, as a second statement."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    # Chinese in the query is matched through its pinyin as well, which finds
    # variant characters and homophones (𥔲嘉 -> ejia -> 鄂嘉镇).
    key = query_key(q)
    branches = [b for b in map(_branch, SOURCES) if b is not None]
    indexed = [
        _sql(i, b, *_indexed_match(b, q, key), q, key, limit) for i, b in enumerate(branches)
    ]
    found = _run(indexed)
    misses = []
    for i, b in enumerate(branches):
        if i not in found:
            conds, params = _fuzzy_match(b, q, key)
            if conds:
                misses.append(_sql(i, _branch(b.source), conds, params, q, key, limit))
    if misses:
        found |= _run(misses, fuzzy=True)
    return [
        SearchGroup(label=b.source.label, results=found[i])
        for i, b in enumerate(branches)
        if i in found
    ]

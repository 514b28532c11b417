"""GeoJSON features built by PostGIS, one text column per row.

A spatial list page is one query: PostgreSQL writes each feature's GeoJSON
(``ST_AsGeoJSON`` with rounded coordinates, ``json_build_object`` for the
properties) and Python only joins the texts. Nothing is parsed into GEOS
objects or serialized field by field, which is what makes a page fast.

What a feature carries is declared once, as a DRF serializer of its properties:
the serializer documents the properties in the OpenAPI schema, and each of its
fields' ``source`` (``county.code``) becomes the SQL expression
(``F("county__code")``). Properties that are computed give their expression in
the serializer's ``expressions`` attribute.
"""

import functools
import re

from django.contrib.gis.db.models.functions import AsGeoJSON, GeomOutputGeoFunc
from django.db.models import Expression, F, Func, QuerySet, TextField
from rest_framework import serializers

# ~1 m at Yunnan's latitude: as precise as any boundary or site girrepo stores.
GEOJSON_PRECISION = 5
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class Multi(GeomOutputGeoFunc):
    """PostGIS ST_Multi: simplifying a one-part MultiPolygon yields a Polygon; this keeps
    the type the schema promises."""

    function = "ST_Multi"


class GeoJSONFeature(Func):
    """``{"type":"Feature","id":…,"geometry":…,"properties":{…}}`` as text, in SQL."""

    output_field = TextField()

    def __init__(
        self,
        *,
        id: Expression,
        geometry: Expression,
        properties: dict[str, Expression],
        precision: int = GEOJSON_PRECISION,
    ):
        for key in properties:
            if not _KEY.match(key):  # keys are written into the SQL text
                raise ValueError(f"bad property name {key!r}")
        self.keys = list(properties)
        super().__init__(id, AsGeoJSON(geometry, precision=precision), *properties.values())

    def as_sql(self, compiler, connection, **extra_context):
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, sql_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(sql_params)
        id_sql, geometry_sql, *property_sqls = sqls
        pairs = ", ".join(
            f"'{key}', {sql}" for key, sql in zip(self.keys, property_sqls, strict=True)
        )
        sql = (
            """('{"type":"Feature","id":' || to_json("""
            + id_sql
            + """)::text || ',"geometry":' || COALESCE("""
            + geometry_sql
            + """, 'null') || ',"properties":' || json_build_object("""
            + pairs
            + ")::text || '}')"
        )
        return sql, params


@functools.cache
def property_expressions(properties: type[serializers.Serializer]) -> dict[str, Expression]:
    """SQL expressions for the fields of a properties serializer, by field name (computed
    once per serializer: the ORM copies expressions when it resolves them)."""
    computed = getattr(properties, "expressions", {})
    out = {}
    for name, field in properties().fields.items():
        if name in computed:
            out[name] = computed[name]
        else:
            out[name] = F((field.source or name).replace(".", "__"))
    return out


class FeatureSpec:
    """What a spatial endpoint serves: a geometry and a properties serializer."""

    def __init__(
        self,
        *,
        properties: type[serializers.Serializer],
        geometry: str | Expression,
        id: str = "id",
        precision: int = GEOJSON_PRECISION,
    ):
        self.properties = properties
        self.geometry = F(geometry) if isinstance(geometry, str) else geometry
        self.id = id
        self.precision = precision

    def expression(self) -> GeoJSONFeature:
        return GeoJSONFeature(
            id=F(self.id),
            geometry=self.geometry,
            properties=property_expressions(self.properties),
            precision=self.precision,
        )

    def rows(self, queryset: QuerySet, *, base: QuerySet | None = None) -> QuerySet:
        """``{"id": …, "feature": "<GeoJSON text>"}`` per row of ``queryset``.

        A DISTINCT queryset (hierarchy filters join many-to-many links) becomes
        ``base`` (the unfiltered queryset, with its annotations) restricted to
        ``id IN (…)``, so that PostgreSQL never compares feature texts.
        """
        if queryset.query.distinct:
            base = queryset.model._default_manager.all() if base is None else base
            queryset = base.filter(pk__in=queryset.values("pk"))
        queryset = queryset.prefetch_related(None)  # related rows are in the SQL already
        return queryset.annotate(feature=self.expression()).values("id", "feature")

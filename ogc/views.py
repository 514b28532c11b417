"""OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) under /ogc/.

A thin layer: the collections (``ogc.collections``) are the registers' own
querysets, their features are written by PostGIS exactly like the REST API's,
paging is the same keyset cursor, and errors are the API's JSON errors (with
the ``description`` OGC clients read). GDAL's OAPIF driver and QGIS read it.
"""

import json

from django.contrib.gis.db.models import Extent
from django.db.models import Max, Min
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from girrepo.api.exceptions import exception_handler
from girrepo.api.filters import bbox_polygon
from girrepo.api.pagination import CursorPagination
from girrepo.api.renderers import GeoJSONRenderer, JSONRenderer, RawJSON
from girrepo.api.viewsets import APIViewMixin
from regions.coords import YUNNAN_EXTENT

from .collections import COLLECTIONS, Collection
from .openapi import openapi_document
from .params import CRS84, MAX_LIMIT, check_known, parse_datetime_param, parse_limit

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


# GIS clients page through whole collections and fetch tiles as the map moves: anonymous
# clients get a rate of their own, ``ogc`` in DEFAULT_THROTTLE_RATES (this by default).
OGC_ANON_RATE = "600/min"


class OGCAnonRateThrottle(AnonRateThrottle):
    scope = "ogc"

    def get_rate(self):
        return self.THROTTLE_RATES.get(self.scope, OGC_ANON_RATE)


def ogc_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is not None:
        # OGC's exception schema: ``code`` and ``description``.
        response.data["description"] = response.data.get("detail") or response.data["message"]
    return response


class OGCView(APIViewMixin, APIView):
    schema = None  # described by /ogc/api, not by the REST schema
    renderer_classes = (JSONRenderer,)
    throttle_classes = (OGCAnonRateThrottle,)
    allowed_params = frozenset({"f"})

    def get_exception_handler(self):
        return ogc_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_known(request.query_params, self.allowed_params)

    def url(self, url_name: str, **kwargs) -> str:
        return self.request.build_absolute_uri(reverse(f"ogc:{url_name}", kwargs=kwargs))

    def link(self, url_name: str, rel: str, media_type: str, title: str, **kwargs) -> dict:
        href = self.url(url_name, **kwargs)
        return {"href": href, "rel": rel, "type": media_type, "title": title}


class LandingView(OGCView):
    def get(self, request):
        return Response(
            {
                "title": "girrepo — Yunnan GI and brand registry",
                "description": (
                    "Yunnan's administrative regions, GI protected areas, authorized producers "
                    "and one-township-one-product, as OGC API – Features (GeoJSON, WGS-84)."
                ),
                "links": [
                    self.link("landing", "self", JSON, "This document"),
                    self.link("openapi", "service-desc", OPENAPI, "The API definition"),
                    {
                        "href": request.build_absolute_uri(reverse("api-docs")),
                        "rel": "service-doc",
                        "type": "text/html",
                        "title": "The REST API documentation",
                    },
                    self.link("conformance", "conformance", JSON, "Conformance classes"),
                    self.link("collections", "data", JSON, "The feature collections"),
                ],
            }
        )


class ConformanceView(OGCView):
    def get(self, request):
        return Response({"conformsTo": CONFORMANCE})


class OpenAPIView(OGCView):
    def get(self, request):
        response = Response(openapi_document(base=self.url("landing")))
        response.content_type = OPENAPI
        return response


def _collection(name: str) -> Collection:
    try:
        return COLLECTIONS[name]
    except KeyError:
        raise Http404 from None


def _iso(day) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day else None


class CollectionMixin:
    def describe(self, collection: Collection) -> dict:
        rows = collection.rows()
        extent = rows.aggregate(e=Extent(collection.geometry))["e"] or YUNNAN_EXTENT
        body = {
            "id": collection.id,
            "title": str(collection.title),
            "description": str(collection.description),
            "itemType": "feature",
            "crs": [CRS84],
            "storageCrs": CRS84,
            "extent": {"spatial": {"bbox": [[round(v, 5) for v in extent]], "crs": CRS84}},
            "links": [
                self.link("collection", "self", JSON, "This collection", name=collection.id),
                self.link("items", "items", GEOJSON, "Its features", name=collection.id),
            ],
        }
        if collection.temporal:
            first, last = collection.temporal
            last = last or first
            span = rows.aggregate(start=Min(first), end=Max(last))
            open_end = last != first and rows.filter(**{f"{last}__isnull": True}).exists()
            body["extent"]["temporal"] = {
                "interval": [[_iso(span["start"]), None if open_end else _iso(span["end"])]],
                "trs": TRS,
            }
        return body


class CollectionsView(CollectionMixin, OGCView):
    def get(self, request):
        return Response(
            {
                "links": [self.link("collections", "self", JSON, "This document")],
                "collections": [self.describe(c) for c in COLLECTIONS.values()],
            }
        )


class CollectionView(CollectionMixin, OGCView):
    def get(self, request, name: str):
        return Response(self.describe(_collection(name)))


class ItemsPagination(CursorPagination):
    max_page_size = MAX_LIMIT

    def get_page_size(self, request):
        return parse_limit(request.query_params.get("limit"))


class ItemsView(OGCView):
    renderer_classes = (GeoJSONRenderer, JSONRenderer)
    allowed_params = frozenset({"f", "limit", "bbox", "bbox-crs", "datetime", "cursor", "crs"})

    def get(self, request, name: str):
        collection = _collection(name)
        queryset = collection.rows()
        if request.query_params.get("bbox"):
            bbox = bbox_polygon(request.query_params["bbox"])
            queryset = queryset.filter(**{f"{collection.geometry}__intersects": bbox})
        if "datetime" in request.query_params:
            start, end = parse_datetime_param(request.query_params["datetime"])
            queryset = collection.in_time(queryset, start, end)
        paginator = ItemsPagination()
        page = paginator.paginate_queryset(collection.spec.rows(queryset), request, view=self)
        links = [
            {"href": request.build_absolute_uri(), "rel": "self", "type": GEOJSON},
            self.link("collection", "collection", JSON, "The collection", name=name),
        ]
        if next_link := paginator.get_next_link():
            links.append({"href": next_link, "rel": "next", "type": GEOJSON, "title": "Next page"})
        if previous := paginator.get_previous_link():
            links.append({"href": previous, "rel": "prev", "type": GEOJSON, "title": "Previous"})
        features = ",".join(row["feature"] for row in page)
        stamp = timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        body = (
            '{"type":"FeatureCollection",'
            f'"numberMatched":{queryset.count()},"numberReturned":{len(page)},'
            f'"timeStamp":"{stamp}","links":{json.dumps(links)},'
            f'"features":[{features}]}}'
        )
        return Response(RawJSON(body))


class ItemView(OGCView):
    renderer_classes = (GeoJSONRenderer, JSONRenderer)
    allowed_params = frozenset({"f", "crs"})

    def get(self, request, name: str, feature_id: str):
        collection = _collection(name)
        rows = collection.spec.rows(collection.by_feature_id(collection.rows(), feature_id))
        row = rows.first()
        if row is None:
            raise Http404
        links = [
            {"href": request.build_absolute_uri(), "rel": "self", "type": GEOJSON},
            self.link("collection", "collection", JSON, "The collection", name=name),
        ]
        # The feature text ends with its closing brace: the links go just before it.
        return Response(RawJSON(f'{row["feature"][:-1]},"links":{json.dumps(links)}}}'))

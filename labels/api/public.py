"""Public reads of the special-label register: authorizations and the cancellation list.

Anyone may read them (throttled when anonymous): a platform checking a seller's
label, a customs office, a buyer. An authorization's detail is exactly the
verification JSON of ``/verify/<number>.json`` (``public_views.authorization_json``),
so the two never disagree; the list gives the same keys without the sites.
"""

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from girrepo.api.pagination import CursorPagination
from girrepo.api.schema import FeatureTypeField, SiteGeometryField, feature_collection_serializer
from girrepo.api.viewsets import RegisterViewSet
from girrepo.filtersets import BaseFilterSet, region_filter

from ..certificate import verify_url
from ..choices import AuthorizationStatus, ComplianceStep
from ..compliance import authorization_effective_status
from ..models import Authorization, ComplianceAction
from ..public_views import authorization_json

NUMBER_REGEX = r"YN-GI-[0-9]{4}-[0-9]{5,}"


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """Comma-separated ids: ``product_id=3,7``."""


class AuthorizationFilterSet(BaseFilterSet):
    """Public filters of the authorization register (and of the cancellation list)."""

    search_fields = ("number", "credit_code", "gi_name", "producer__name")
    pinyin_fields = ("producer__search_key",)

    number = django_filters.CharFilter(label=_("authorization number"))
    credit_code = django_filters.CharFilter(label=_("unified social credit code"))
    status = django_filters.MultipleChoiceFilter(
        choices=AuthorizationStatus.choices,
        method="filter_status",
        label=_("status (expired: valid until a past day)"),
    )
    region = region_filter("application__county")
    region_id = region_filter("application__county", by="id")
    producer_id = NumberInFilter(field_name="producer_id", label=_("producer (id)"))
    product_id = NumberInFilter(field_name="product_id", label=_("GI product (id)"))
    mark_id = NumberInFilter(field_name="mark_id", label=_("GI mark (id)"))
    year = django_filters.NumberFilter(label=_("year"))
    valid_from = django_filters.DateFromToRangeFilter(label=_("valid from"))

    class Meta:
        model = Authorization
        fields = ["q", "number", "credit_code", "status", "region", "year", "valid_from"]

    def filter_status(self, queryset: QuerySet, name: str, values: list[str]) -> QuerySet:
        """The effective status (compliance.authorization_effective_status) in SQL."""
        if not values:
            return queryset
        today = timezone.localdate()
        running = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        cond = Q()
        for value in values:
            if value == AuthorizationStatus.VALID:
                cond |= Q(status=value) & running
            elif value == AuthorizationStatus.EXPIRED:
                cond |= Q(status=value) | Q(status=AuthorizationStatus.VALID, valid_until__lt=today)
            else:
                cond |= Q(status=value)
        return queryset.filter(cond)


class ProducerOnLabelSerializer(serializers.Serializer):
    name = serializers.CharField()
    credit_code = serializers.CharField()
    url = serializers.URLField()


class GISerializer(serializers.Serializer):
    name = serializers.CharField()
    reference = serializers.CharField(help_text="Standard code or announcement number.")
    kind = serializers.ChoiceField(
        choices=["gi_product", "agri_gi", "certification_mark", "collective_mark"]
    )


class CancellationSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class AuthorizationSerializer(serializers.ModelSerializer):
    """An authorization as the verification JSON gives it, without the sites."""

    status = serializers.SerializerMethodField()
    valid = serializers.SerializerMethodField()
    producer = serializers.SerializerMethodField()
    gi = serializers.SerializerMethodField()
    cancellation = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Authorization
        fields = [
            "number",
            "status",
            "valid",
            "producer",
            "gi",
            "label_text",
            "valid_from",
            "valid_until",
            "cancellation",
            "verify_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=AuthorizationStatus.choices))
    def get_status(self, authorization) -> str:
        return authorization_effective_status(authorization=authorization)

    def get_valid(self, authorization) -> bool:
        return self.get_status(authorization) == AuthorizationStatus.VALID

    @extend_schema_field(ProducerOnLabelSerializer)
    def get_producer(self, authorization) -> dict:
        request = self.context["request"]
        return {
            "name": authorization.producer.name,
            "credit_code": authorization.credit_code,
            "url": request.build_absolute_uri(authorization.producer.get_absolute_url()),
        }

    @extend_schema_field(GISerializer)
    def get_gi(self, authorization) -> dict:
        if authorization.product_id:
            kind = authorization.product.register
        else:
            kind = f"{authorization.mark.mark_type}_mark" if authorization.mark_id else ""
        return {
            "name": authorization.gi_name,
            "reference": authorization.gi_reference,
            "kind": kind,
        }

    @extend_schema_field(CancellationSerializer(allow_null=True))
    def get_cancellation(self, authorization) -> dict | None:
        if authorization.status != AuthorizationStatus.CANCELLED:
            return None
        actions = getattr(authorization, "cancel_actions", None)
        action = actions[-1] if actions else None
        when = action.at if action else authorization.status_changed
        return {
            "date": timezone.localdate(when).isoformat() if when else None,
            "reason": action.details if action else authorization.status_reason,
        }

    @extend_schema_field(serializers.URLField())
    def get_verify_url(self, authorization) -> str:
        return verify_url(number=authorization.number, request=self.context["request"])


class SitePropertiesSerializer(serializers.Serializer):
    name = serializers.CharField()


SiteFeatureSerializer = type(
    "AuthorizedSiteFeatureSerializer",
    (serializers.Serializer,),
    {
        "type": FeatureTypeField(),
        "geometry": SiteGeometryField(),
        "properties": SitePropertiesSerializer(),
    },
)


class AuthorizationRecordSerializer(AuthorizationSerializer):
    """The verification record: the authorization with its production sites in force."""

    sites = feature_collection_serializer(name="AuthorizedSites", feature=SiteFeatureSerializer)()
    certificate_url = serializers.URLField()

    class Meta(AuthorizationSerializer.Meta):
        fields = [*AuthorizationSerializer.Meta.fields, "sites", "certificate_url"]
        read_only_fields = fields


class NewestFirst(CursorPagination):
    ordering = "-id"


def authorizations_public() -> QuerySet[Authorization]:
    """Authorizations with what their public record needs, in a fixed number of queries."""
    cancellations = ComplianceAction.objects.filter(step=ComplianceStep.CANCELLED).order_by(
        "at", "id"
    )
    return Authorization.objects.select_related("producer", "product", "mark").prefetch_related(
        Prefetch("compliance_actions", queryset=cancellations, to_attr="cancel_actions")
    )


@extend_schema_view(retrieve=extend_schema(responses=AuthorizationRecordSerializer))
class AuthorizationViewSet(RegisterViewSet):
    """Special-label authorizations (专用标志使用核准), newest first, by number.

    ``status`` is the effective one: a valid authorization past its last day
    reads as expired. The detail is the verification record (with sites).
    """

    queryset = Authorization.objects.all()
    filterset_class = AuthorizationFilterSet
    serializer_class = AuthorizationSerializer
    pagination_class = NewestFirst
    lookup_field = "number"
    lookup_value_regex = NUMBER_REGEX

    def get_queryset(self):
        return authorizations_public()

    def retrieve(self, request, *args, **kwargs):
        return Response(authorization_json(self.get_object(), request=request))


class CancellationViewSet(AuthorizationViewSet):
    """The published list of cancelled authorizations, with date and reason."""

    def get_queryset(self):
        return authorizations_public().filter(status=AuthorizationStatus.CANCELLED)

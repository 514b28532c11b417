"""Supervision over the API: staff move an authorization along the abnormal-use list →
rectification → suspension → cancellation chain, or restore it (labels.compliance).

Only authorizations in the staff member's jurisdiction are reachable (others are a
404); the services decide the rest: permission, the order of the steps, the reason.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response

from accounts.selectors import region_scope_q, staff_region
from girrepo.api.filters import FilterBackend
from girrepo.api.viewsets import APIViewMixin

from .. import compliance
from ..choices import AbnormalReason
from ..models import Authorization
from .public import (
    NUMBER_REGEX,
    AuthorizationFilterSet,
    AuthorizationSerializer,
    NewestFirst,
    authorizations_public,
)


class SupervisionStepSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        help_text="Required: the holder is told it, and a cancellation's is published.",
    )
    grounds = serializers.ChoiceField(
        choices=AbnormalReason.choices,
        required=False,
        allow_null=True,
        help_text="Why the authorization is abnormal; defaults to the open case's grounds.",
    )


class CancelSerializer(SupervisionStepSerializer):
    serious = serializers.BooleanField(
        default=False, help_text="Cancel at once, without the earlier steps."
    )


class RestoreSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class SupervisionViewSet(
    APIViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Authorizations in your jurisdiction (quality-supervision staff), and the steps
    you may take on them."""

    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = (JSONParser, FormParser)
    filter_backends = (FilterBackend,)
    filterset_class = AuthorizationFilterSet
    pagination_class = NewestFirst
    serializer_class = AuthorizationSerializer
    queryset = Authorization.objects.none()
    lookup_field = "number"
    lookup_value_regex = NUMBER_REGEX

    def get_queryset(self):
        region = staff_region(user=self.request.user)
        if region is None or getattr(self, "swagger_fake_view", False):
            return Authorization.objects.none()
        return authorizations_public().filter(
            region_scope_q(region=region, field="application__county")
        )

    def _step(self, request, service, input_class):
        authorization = self.get_object()
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        # An absent or null ``grounds`` leaves the service's default.
        kwargs = {k: v for k, v in data.validated_data.items() if v is not None}
        service(actor=request.user, authorization=authorization, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=authorization.pk)).data)

    @extend_schema(request=SupervisionStepSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"], url_path="list-abnormal")
    def list_abnormal(self, request, number=None):
        """Put the authorization on the abnormal-use list (异常名录)."""
        return self._step(
            request, compliance.authorization_list_abnormal, SupervisionStepSerializer
        )

    @extend_schema(request=SupervisionStepSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"], url_path="order-rectification")
    def order_rectification(self, request, number=None):
        """Order rectification (after abnormal-use listing)."""
        return self._step(
            request, compliance.authorization_order_rectification, SupervisionStepSerializer
        )

    @extend_schema(request=SupervisionStepSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, number=None):
        """Suspend the authorization (after rectification was ordered)."""
        return self._step(request, compliance.authorization_suspend, SupervisionStepSerializer)

    @extend_schema(request=CancelSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        """Cancel (after suspension, or at once when serious); the cancellation is published."""
        return self._step(request, compliance.authorization_cancel, CancelSerializer)

    @extend_schema(request=RestoreSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, number=None):
        """Close the open case: the authorization is valid again."""
        return self._step(request, compliance.authorization_restore, RestoreSerializer)

"""The special-label workflow over the API, for systems and scripts.

Producers create applications, add sites and documents, submit, and file annual
reports; staff accept, check, pass, return, approve or reject. Every write calls
the very service the portal or the workbench calls (``labels.intake``,
``labels.services``, ``labels.compliance``), so permission (labels/rules.py),
state and validation are decided once. Who sees which application is the
portal's and the workbench's rule: a producer account its producers', staff
their jurisdiction's once submitted; anything else is a 404.
"""

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.selectors import region_scope_q, staff_region, user_producer_ids
from girrepo.api.filters import FilterBackend
from girrepo.api.pagination import CursorPagination
from girrepo.api.viewsets import APIViewMixin
from regions.models import Region

from .. import compliance, intake, services
from ..forms import AnnualReportForm, OnSiteCheckForm, QueueFilterSet
from ..models import AnnualReport, Application, Authorization, ProductionSite
from .application_serializers import (
    AnnualReportInputSerializer,
    AnnualReportSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    DocumentInputSerializer,
    DocumentSerializer,
    OnSiteCheckInputSerializer,
    ReasonSerializer,
    SiteInputSerializer,
    SiteSerializer,
)

S = services.S
SITE_PRECISION = 5


def applications_for(user) -> QuerySet[Application]:
    """The applications ``user`` may see: its producers' (drafts too), and, for staff,
    their jurisdiction's once submitted (labels/views/scopes.py, the same rule)."""
    cond = Q(producer_id__in=user_producer_ids(user=user))
    region = staff_region(user=user)
    if region is not None:
        cond |= region_scope_q(region=region, field="county") & ~Q(status=S.DRAFT)
    sites = ProductionSite.objects.annotate(
        geometry_geojson=AsGeoJSON("geom", precision=SITE_PRECISION)
    ).defer("geom")
    return (
        Application.objects.filter(cond)
        .select_related("producer", "product", "mark", "changes", "county", "authorization")
        .defer(*(f"county__{f}" for f in ("geom", "geom_display", "label_point")))
        .prefetch_related(Prefetch("sites", queryset=sites), "documents", "events")
    )


def _form_errors(form) -> ValidationError:
    return ValidationError({field: errors for field, errors in form.errors.items()})


class ApplicationViewSet(
    APIViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Label applications (专用标志使用申请) of the producers you act for, or, for
    staff, of your jurisdiction. Filters are the workbench queue's."""

    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = (JSONParser, MultiPartParser, FormParser)
    filter_backends = (FilterBackend,)
    filterset_class = QueueFilterSet
    pagination_class = CursorPagination
    serializer_class = ApplicationSerializer
    queryset = Application.objects.none()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return applications_for(self.request.user)

    def get_filterset_extra_kwargs(self) -> dict:
        scope = staff_region(user=self.request.user)
        if scope is None:
            scope = Region.objects.filter(parent__isnull=True).order_by("code").first()
        return {"scope": scope}

    def _may(self, perm: str) -> Application:
        """The application, once the user may act on it: permission before validation,
        so a role that may not act learns nothing from its input's errors. (The service
        checks the same rule again, inside its transaction.)"""
        application = self.get_object()
        if not self.request.user.has_perm(perm, application):
            raise PermissionDenied(_("You may not do this with this application."))
        return application

    def _respond(self, application, code=status.HTTP_200_OK) -> Response:
        application = self.get_queryset().get(pk=application.pk)
        return Response(self.get_serializer(application).data, status=code)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request, *args, **kwargs):
        """Start a draft application for one of your producers (labels.intake.application_create)."""
        data = ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = intake.application_create(actor=request.user, **data.validated_data)
        return self._respond(application, status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationUpdateSerializer, responses=ApplicationSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change the details of a draft or returned application."""
        application = self.get_object()
        data = ApplicationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        intake.application_update(
            actor=request.user, application=application, **data.validated_data
        )
        return self._respond(application)

    @extend_schema(request=SiteInputSerializer, responses={201: SiteSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="sites")
    def add_sites(self, request, pk=None):
        """Add production sites: GeoJSON (geometry, Feature or FeatureCollection), typed
        coordinates, or an uploaded GeoJSON, KML or zipped shapefile; the site check runs."""
        application = self._may("labels.edit_application")
        data = SiteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        field = data.input_field
        try:
            added = intake.application_add_sites(
                actor=request.user,
                application=application,
                sites=data.sites(),
                entered_crs=data.validated_data["crs"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise ValidationError({field: exc.messages}) from exc
        ids = [site.pk for site in added]
        rows = ProductionSite.objects.filter(pk__in=ids).annotate(
            geometry_geojson=AsGeoJSON("geom", precision=SITE_PRECISION)
        )
        return Response(SiteSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"sites/(?P<site_pk>[0-9]+)")
    def remove_site(self, request, pk=None, site_pk=None):
        """Remove a production site; the site check runs again."""
        application = self.get_object()
        site = get_object_or_404(application.sites.all(), pk=site_pk)
        intake.application_remove_site(actor=request.user, application=application, site=site)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DocumentInputSerializer, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"], url_path="documents")
    def add_document(self, request, pk=None):
        """Attach a document (multipart): a PDF, JPEG or PNG, checked by its content."""
        application = self.get_object()
        data = DocumentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = intake.application_add_document(
            actor=request.user,
            application=application,
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<doc_pk>[0-9]+)")
    def remove_document(self, request, pk=None, doc_pk=None):
        """Remove a document of a draft or returned application."""
        application = self.get_object()
        document = get_object_or_404(application.documents.all(), pk=doc_pk)
        intake.application_remove_document(
            actor=request.user, application=application, document=document
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _step(self, request, service, *, reason: bool = True):
        application = self.get_object()
        kwargs = {}
        if reason:
            data = ReasonSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            kwargs["reason"] = data.validated_data["reason"]
        service(actor=request.user, application=application, **kwargs)
        return self._respond(application)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit to the county (sites and the required documents first)."""
        return self._step(request, services.application_submit, reason=False)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """County staff: accept; the on-site check falls due in 10 working days."""
        return self._step(request, services.application_accept, reason=False)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="not-accept")
    def not_accept(self, request, pk=None):
        """County staff: do not accept (a reason is required)."""
        return self._step(request, services.application_not_accept)

    @extend_schema(request=OnSiteCheckInputSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="onsite-check")
    def onsite_check(self, request, pk=None):
        """County staff: record the on-site check (JSON, or multipart with photos)."""
        application = self._may("labels.county_review")
        form = OnSiteCheckForm(data=request.data, files=request.FILES)
        if not form.is_valid():  # the workbench form's rules (no check dated in the future)
            raise _form_errors(form)
        services.application_record_onsite_check(
            actor=request.user, application=application, **form.cleaned_data
        )
        return self._respond(application)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="county-pass")
    def county_pass(self, request, pk=None):
        """County staff: pass to the prefecture (after a passed on-site check)."""
        return self._step(request, services.application_county_pass)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="prefecture-pass")
    def prefecture_pass(self, request, pk=None):
        """Prefecture staff: pass to the province."""
        return self._step(request, services.application_prefecture_pass)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """Staff at the current review level: return to the applicant (reason required)."""
        return self._step(request, services.application_return)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Province staff: approve; the authorization is issued with the next number."""
        return self._step(request, services.application_approve)

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Province staff: reject (reason required)."""
        return self._step(request, services.application_reject)


class AnnualReportViewSet(
    APIViewMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Annual usage reports (年度使用情况报告) of the authorizations you hold or supervise;
    holders file them (labels.compliance.annual_report_file)."""

    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = (JSONParser, FormParser)
    pagination_class = CursorPagination
    serializer_class = AnnualReportSerializer
    queryset = AnnualReport.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AnnualReport.objects.none()
        user = self.request.user
        cond = Q(authorization__producer_id__in=user_producer_ids(user=user))
        region = staff_region(user=user)
        if region is not None:
            cond |= region_scope_q(region=region, field="authorization__application__county")
        return AnnualReport.objects.filter(cond).select_related("authorization")

    @extend_schema(request=AnnualReportInputSerializer, responses={201: AnnualReportSerializer})
    def create(self, request, *args, **kwargs):
        data = AnnualReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        authorization = data.validated_data["authorization"]
        if not Authorization.objects.filter(
            pk=authorization.pk, producer_id__in=user_producer_ids(user=request.user)
        ).exists() and not request.user.has_perm("labels.supervise_authorization", authorization):
            # Neither holder nor supervisor: the authorization is not theirs to see.
            raise ValidationError(
                {"authorization": _("No authorization of yours has this number.")}
            )
        form = AnnualReportForm(
            data={k: v for k, v in request.data.items() if k != "authorization"}
        )
        if not form.is_valid():  # the portal form's rules
            raise _form_errors(form)
        report = compliance.annual_report_file(
            actor=request.user, authorization=authorization, **form.cleaned_data
        )
        return Response(AnnualReportSerializer(report).data, status=status.HTTP_201_CREATED)

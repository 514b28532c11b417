"""Staff admin for the label workflow. Status changes go through the services
(the workbench), so the admin shows status and the audit trail read-only."""

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.db import models
from simple_history.admin import SimpleHistoryAdmin

from girrepo.widgets import OfflineMapWidget

from .models import (
    AnnualReport,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    Authorization,
    ComplianceAction,
    Holiday,
    OnSiteCheck,
    ProductionSite,
)


class ProductionSiteInline(admin.StackedInline):
    model = ProductionSite
    extra = 0
    readonly_fields = ["check_result", "check_details"]
    # Inlines do not inherit GISModelAdmin.gis_widget.
    formfield_overrides = {models.GeometryField: {"widget": OfflineMapWidget}}


class ApplicationDocumentInline(admin.TabularInline):
    model = ApplicationDocument
    extra = 0
    readonly_fields = ["kind", "file", "content_type", "uploaded_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # documents are uploaded through the portal, which validates them


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "reason"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin, GISModelAdmin):
    gis_widget = OfflineMapWidget
    list_display = ["id", "producer", "product", "mark", "county", "status", "onsite_due"]
    list_filter = ["status", "kind", "basis", "site_check_result"]
    search_fields = ["producer__name", "producer__credit_code", "product__name", "mark__name"]
    raw_id_fields = ["producer", "product", "mark", "county", "changes"]
    readonly_fields = ["status", "submitted_at", "onsite_due", "site_check_result", "site_check_at"]
    inlines = [ProductionSiteInline, ApplicationDocumentInline, ApplicationEventInline]


@admin.register(ProductionSite)
class ProductionSiteAdmin(SimpleHistoryAdmin, GISModelAdmin):
    gis_widget = OfflineMapWidget
    list_display = ["__str__", "application", "check_result"]
    readonly_fields = ["check_result", "check_details"]
    raw_id_fields = ["application"]


@admin.register(OnSiteCheck)
class OnSiteCheckAdmin(SimpleHistoryAdmin):
    list_display = ["application", "date", "inspectors", "passed"]
    raw_id_fields = ["application"]


@admin.register(Authorization)
class AuthorizationAdmin(SimpleHistoryAdmin):
    list_display = ["number", "producer", "gi_name", "valid_from", "valid_until", "status"]
    list_filter = ["status", "year"]
    search_fields = ["number", "credit_code", "producer__name", "gi_name"]
    readonly_fields = ["number", "year", "serial", "application", "credit_code", "gi_name"]
    raw_id_fields = ["producer", "product", "mark"]


@admin.register(AnnualReport)
class AnnualReportAdmin(SimpleHistoryAdmin):
    list_display = ["authorization", "year", "labels_printed", "labels_used", "output"]
    list_filter = ["year"]
    raw_id_fields = ["authorization"]


@admin.register(ComplianceAction)
class ComplianceActionAdmin(SimpleHistoryAdmin):
    list_display = ["authorization", "step", "reason", "at", "actor"]
    list_filter = ["step", "reason"]
    raw_id_fields = ["authorization"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_working_day"]
    list_filter = ["is_working_day"]

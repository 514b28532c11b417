from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ProducerAccount, StaffAssignment


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "region", "office"]
    list_filter = ["region__level"]
    search_fields = ["user__username", "region__name", "region__code", "office"]
    raw_id_fields = ["region"]


@admin.register(ProducerAccount)
class ProducerAccountAdmin(SimpleHistoryAdmin):
    list_display = ["user", "producer"]
    search_fields = ["user__username", "producer__name", "producer__credit_code"]
    raw_id_fields = ["producer"]

"""Who reaches which rows: every portal and workbench view starts from these querysets,
so an id from someone else's data gives 404, never the object."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.selectors import region_scope_q, staff_region, user_producer_ids
from regions.choices import RegionLevel

from ..choices import ApplicationStatus
from ..models import Application, Authorization

S = ApplicationStatus
# The states each level of staff acts on; the rest of their region they see read-only.
ACTS_ON = {
    RegionLevel.COUNTY: (S.SUBMITTED, S.COUNTY_REVIEW),
    RegionLevel.PREFECTURE: (S.PREFECTURE_REVIEW,),
    RegionLevel.PROVINCE: (S.PROVINCE_REVIEW,),
}


def producer_required(view):
    """Logged in (else to the login page) and acting for at least one producer (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.producer_ids = user_producer_ids(user=request.user)
        if not request.producer_ids:
            raise PermissionDenied(_("This page is for producer accounts."))
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Logged in (else to the login page) with a staff jurisdiction (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.staff_region = staff_region(user=request.user)
        if request.staff_region is None:
            raise PermissionDenied(_("This page is for quality-supervision staff."))
        return view(request, *args, **kwargs)

    return wrapper


def portal_applications(request) -> QuerySet[Application]:
    return Application.objects.filter(producer_id__in=request.producer_ids).select_related(
        "producer", "product", "mark", "county", "changes"
    )


def portal_authorizations(request) -> QuerySet[Authorization]:
    return Authorization.objects.filter(producer_id__in=request.producer_ids).select_related(
        "producer", "product", "mark", "application"
    )


def staff_applications(request) -> QuerySet[Application]:
    """Applications of the staff's region once submitted (drafts stay the applicant's)."""
    return (
        Application.objects.filter(region_scope_q(region=request.staff_region, field="county"))
        .exclude(status=S.DRAFT)
        .select_related("producer", "product", "mark", "county__parent", "changes")
    )

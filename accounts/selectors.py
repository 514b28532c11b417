"""Who may see what: the region and producers a user acts for."""

from django.db.models import Q

from regions.models import Region

from .models import ProducerAccount, StaffAssignment


def staff_region(*, user) -> Region | None:
    """The region a staff user supervises, or None for everyone else."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return StaffAssignment.objects.select_related("region").get(user=user).region
    except StaffAssignment.DoesNotExist:
        return None


def user_producer_ids(*, user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(ProducerAccount.objects.filter(user=user).values_list("producer_id", flat=True))


def region_scope_q(*, region: Region, field: str) -> Q:
    """Rows whose ``field`` region is ``region`` or below it."""
    return Q(
        **{
            f"{field}__tree_id": region.tree_id,
            f"{field}__lft__gte": region.lft,
            f"{field}__rght__lte": region.rght,
        }
    )


def region_in_scope(*, region: Region | None, scope: Region | None) -> bool:
    if region is None or scope is None:
        return False
    return region.tree_id == scope.tree_id and scope.lft <= region.lft and region.rght <= scope.rght

"""Who may do what with label applications and authorizations — the one place.

Staff act inside their jurisdiction (their region and everything below it),
and only at their level of the county → prefecture → province review. Producer
accounts act for their own producers. Views and services ask
``user.has_perm("labels.<action>", obj)``; nothing else decides.
"""

import rules

from accounts.selectors import region_in_scope, staff_region, user_producer_ids
from regions.choices import RegionLevel

from .choices import EDITABLE_STATUSES, ApplicationStatus


@rules.predicate
def is_applicant(user, application) -> bool:
    return application is not None and application.producer_id in user_producer_ids(user=user)


def _staff_at(level: str):
    @rules.predicate(name=f"is_{level}_staff_in_scope")
    def predicate(user, application) -> bool:
        region = staff_region(user=user)
        if region is None or region.level != level or application is None:
            return False
        return region_in_scope(region=application.county, scope=region)

    return predicate


is_county_staff = _staff_at(RegionLevel.COUNTY)
is_prefecture_staff = _staff_at(RegionLevel.PREFECTURE)
is_province_staff = _staff_at(RegionLevel.PROVINCE)
is_staff_in_scope = is_county_staff | is_prefecture_staff | is_province_staff


def _status_in(*statuses):
    @rules.predicate(name=f"status_in_{'_'.join(statuses)}")
    def predicate(user, application) -> bool:
        return application is not None and application.status in statuses

    return predicate


is_editable = _status_in(*EDITABLE_STATUSES)


@rules.predicate
def acts_for_producer(user, producer) -> bool:
    return producer is not None and producer.pk in user_producer_ids(user=user)


rules.add_perm("labels.create_application", acts_for_producer)
rules.add_perm("labels.view_application", is_applicant | is_staff_in_scope)
rules.add_perm("labels.edit_application", is_applicant & is_editable)
rules.add_perm("labels.submit_application", is_applicant & is_editable)
rules.add_perm(
    "labels.accept_application", is_county_staff & _status_in(ApplicationStatus.SUBMITTED)
)
rules.add_perm(
    "labels.county_review", is_county_staff & _status_in(ApplicationStatus.COUNTY_REVIEW)
)
rules.add_perm(
    "labels.prefecture_review",
    is_prefecture_staff & _status_in(ApplicationStatus.PREFECTURE_REVIEW),
)
rules.add_perm(
    "labels.province_decide", is_province_staff & _status_in(ApplicationStatus.PROVINCE_REVIEW)
)


@rules.predicate
def is_authorization_holder(user, authorization) -> bool:
    return authorization is not None and authorization.producer_id in user_producer_ids(user=user)


@rules.predicate
def is_staff_over_authorization(user, authorization) -> bool:
    region = staff_region(user=user)
    return authorization is not None and region_in_scope(
        region=authorization.application.county, scope=region
    )


@rules.predicate
def is_supervision_staff(user) -> bool:
    return staff_region(user=user) is not None


rules.add_perm("labels.file_annual_report", is_authorization_holder)
rules.add_perm("labels.supervise_authorization", is_staff_over_authorization)
# Bulk screening reads a file of sites against every protected area and stores nothing,
# so every level of staff may run it, over any region.
rules.add_perm("labels.screen_sites", is_supervision_staff)

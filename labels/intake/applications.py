"""What an applicant does before and between reviews: the application, its sites, its documents.

Each function is atomic, checks permission with ``user.has_perm`` (labels/rules.py),
validates with ``full_clean()``, writes an audit event and, whenever the sites
change, re-runs the PostGIS site check and stores its result with the application.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brands.choices import USE_KIND_FOR_MARK_TYPE, MarkType
from brands.models import MarkUse
from regions.coords import CRS, parse_crs

from ..choices import (
    OPEN_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    AuthorizationStatus,
    DocumentKind,
    UseBasis,
)
from ..models import Application, ApplicationDocument, Authorization, ProductionSite
from ..services import application_log
from ..sitecheck import application_site_check
from .documents import check_document

MAX_SITES_PER_APPLICATION = 200
# What an applicant may change on an application (never its status, county or producer).
EDITABLE_FIELDS = (
    "basis",
    "product",
    "mark",
    "varieties",
    "annual_output",
    "output_unit",
    "planned_label_use",
)
BASIS_MARK_TYPE = {
    UseBasis.COLLECTIVE_MEMBER: MarkType.COLLECTIVE,
    UseBasis.CERTIFICATION_LICENSEE: MarkType.CERTIFICATION,
}


def _denied() -> PermissionDenied:
    return PermissionDenied(_("You may not do this with this application."))


def _locked_for_edit(actor, application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not actor.has_perm("labels.edit_application", application):
        raise _denied()
    return application


def _check_lawful_use(application: Application, *, today=None) -> None:
    """Members and licensees apply under a mark they are recorded as using today
    (DATA.md: lawful users of the special label)."""
    mark_type = BASIS_MARK_TYPE.get(application.basis)
    if mark_type is None or application.mark is None:
        return
    if application.mark.mark_type != mark_type:
        raise ValidationError(
            {
                "mark": _("This basis needs a %(type)s.")
                % {"type": MarkType(mark_type).label.lower()}
            }
        )
    day = today or timezone.localdate()
    current = MarkUse.objects.filter(
        Q(start__isnull=True) | Q(start__lte=day),
        Q(end__isnull=True) | Q(end__gte=day),
        mark=application.mark,
        producer=application.producer,
        kind=USE_KIND_FOR_MARK_TYPE[mark_type],
    )
    if not current.exists():
        raise ValidationError(
            {
                "mark": _(
                    "The marks register records no current %(kind)s of this mark for the "
                    "applicant; the mark's registrant records its members and licensees."
                )
                % {"kind": USE_KIND_FOR_MARK_TYPE[mark_type].label.lower()}
            }
        )


@transaction.atomic
def application_create(
    *,
    actor,
    producer,
    basis: str = UseBasis.AREA_PRODUCER,
    product=None,
    mark=None,
    varieties: str = "",
    annual_output: Decimal | None = None,
    output_unit: str = "吨",
    planned_label_use: int | None = None,
    changes: Authorization | None = None,
) -> Application:
    """A draft application for ``producer``; with ``changes``, a change (变更) of that
    authorization, which then names its product or mark and basis."""
    if not actor.has_perm("labels.create_application", producer):
        raise PermissionDenied(_("You do not act for this producer."))
    if producer.county_id is None:
        raise ValidationError(
            {"producer": _("The producer has no county on record: ask staff to set it.")}
        )
    kind = ApplicationKind.NEW
    if changes is not None:
        changes = Authorization.objects.select_for_update().get(pk=changes.pk)
        if changes.producer_id != producer.pk:
            raise PermissionDenied(_("This authorization is not the producer's."))
        if changes.status not in (AuthorizationStatus.VALID, AuthorizationStatus.SUSPENDED):
            raise ValidationError(
                {"changes": _("Only a valid or suspended authorization can be changed.")}
            )
        if changes.change_applications.filter(
            status__in=[*OPEN_STATUSES, ApplicationStatus.DRAFT, ApplicationStatus.RETURNED]
        ).exists():
            raise ValidationError(
                {"changes": _("A change of this authorization is already in progress.")}
            )
        kind = ApplicationKind.CHANGE
        product, mark = changes.product, changes.mark
        basis = changes.application.basis
    application = Application(
        kind=kind,
        producer=producer,
        basis=basis,
        product=product,
        mark=mark,
        changes=changes,
        county_id=producer.county_id,
        varieties=varieties or "",
        annual_output=annual_output,
        output_unit=output_unit or "吨",
        planned_label_use=planned_label_use,
    )
    application.full_clean()
    _check_lawful_use(application)
    application.save()
    application_log(application=application, actor=actor, action="create")
    return application


@transaction.atomic
def application_update(*, actor, application: Application, **fields) -> Application:
    """Change the applicant's details of a draft or returned application."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    application = _locked_for_edit(actor, application)
    if application.kind == ApplicationKind.CHANGE:
        for fixed in ("basis", "product", "mark"):
            fields.pop(fixed, None)  # a change keeps what the authorization is for
    for name, value in fields.items():
        setattr(application, name, value)
    application.full_clean()
    _check_lawful_use(application)
    application.save()
    if application.sites.exists() and {"product", "mark"} & set(fields):
        application_site_check(application=application)
    application_log(application=application, actor=actor, action="update")
    return application


@transaction.atomic
def application_add_sites(
    *,
    actor,
    application: Application,
    sites: list[tuple[str, object]],
    entered_crs: str | CRS = CRS.WGS84,
) -> list[ProductionSite]:
    """Add production sites, each ``(name, WGS-84 geometry)`` as returned by
    ``labels.intake.sites``; all or none are added, then the site check runs."""
    application = _locked_for_edit(actor, application)
    if not sites:
        raise ValidationError({"geom": _("No site to add.")})
    if application.sites.count() + len(sites) > MAX_SITES_PER_APPLICATION:
        raise ValidationError(
            {
                "geom": _("An application has at most %(n)d production sites.")
                % {"n": MAX_SITES_PER_APPLICATION}
            }
        )
    crs = parse_crs(entered_crs)
    added = []
    for name, geometry in sites:
        site = ProductionSite(application=application, name=name, geom=geometry, entered_crs=crs)
        site.full_clean()
        site.save()
        added.append(site)
    application_site_check(application=application)
    names = ", ".join(str(s) for s in added)
    application_log(application=application, actor=actor, action="add_site", reason=names)
    for site in added:
        site.refresh_from_db(fields=["check_result", "check_details"])
    return added


def application_add_site(
    *,
    actor,
    application: Application,
    geometry,
    name: str = "",
    entered_crs: str | CRS = CRS.WGS84,
) -> ProductionSite:
    """Add one production site (a WGS-84 point, polygon or multipolygon)."""
    return application_add_sites(
        actor=actor, application=application, sites=[(name, geometry)], entered_crs=entered_crs
    )[0]


@transaction.atomic
def application_remove_site(*, actor, application: Application, site: ProductionSite) -> None:
    application = _locked_for_edit(actor, application)
    if site.application_id != application.pk:
        raise _denied()
    label = str(site)
    site.delete()
    if application.sites.exists():
        application_site_check(application=application)
    else:
        application.site_check_result = ""
        application.site_check_at = None
        application.save(update_fields=["site_check_result", "site_check_at", "last_updated"])
    application_log(application=application, actor=actor, action="remove_site", reason=label)


@transaction.atomic
def application_add_document(
    *, actor, application: Application, kind: str, upload
) -> ApplicationDocument:
    """Attach a document checked by content (see ``labels.intake.documents``)."""
    application = _locked_for_edit(actor, application)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose what kind of document this is.")})
    try:
        checked = check_document(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    document = ApplicationDocument(
        application=application,
        kind=kind,
        content_type=checked.content_type,
        uploaded_by=actor,
    )
    # The stored name is ours; the client's file name is never used as a path.
    document.file.save(f"{application.pk}-{kind}.{checked.extension}", checked.file, save=False)
    document.full_clean()
    document.save()
    application_log(
        application=application,
        actor=actor,
        action="add_document",
        reason=str(DocumentKind(kind).label),
    )
    return document


@transaction.atomic
def application_remove_document(
    *, actor, application: Application, document: ApplicationDocument
) -> None:
    application = _locked_for_edit(actor, application)
    if document.application_id != application.pk:
        raise _denied()
    label = document.get_kind_display()
    document.file.delete(save=False)
    document.delete()
    application_log(application=application, actor=actor, action="remove_document", reason=label)

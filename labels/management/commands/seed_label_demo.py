"""Issue one demo special-label authorization through the real workflow. Idempotent.

The demo producer 演示·宣威火腿加工有限公司 (demo) applies for the real GI product
宣威火腿 (protected area 宣威市, 530381) with one workshop inside that area; the
demo staff then take the application through every step the services in
``labels.services`` enforce: demo-coop submits, demo-xuanwei (county) accepts,
records the on-site check and passes it, demo-qujing (prefecture) passes it and
demo-province approves it, which issues the authorization (YN-GI-<year>-NNNNN)
with its audit trail. A draft or part-reviewed demo application is continued
rather than duplicated; once the authorization exists nothing more is created.

Demo data: the producer and logins are fictional (``seed_demo_producers``,
``seed_demo_accounts``); every text added here is marked 示例/demo. Workflow
notifications are discarded (dummy email backend), so nothing is mailed. Needs
``load_gi_facts``, ``seed_demo_producers`` and ``seed_demo_accounts`` first.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.management.commands.seed_demo_accounts import (
    DEMO_PRODUCER,
    DEMO_PRODUCER_USER,
    DEMO_STAFF,
)
from labels import intake, services
from labels.choices import REQUIRED_DOCUMENTS, ApplicationKind, ApplicationStatus, DocumentKind
from labels.models import Application, Authorization
from producers.models import Producer
from products.choices import Register
from products.models import GIProduct

S = ApplicationStatus
DEMO_PRODUCT = "宣威火腿"  # real GI product; protected area 宣威市 (530381)
# 宣威 city, about 23 km inside the protected area's boundary.
DEMO_SITE = ("演示·一号加工车间 (demo)", (104.104, 26.219))
DOCUMENT_TITLES = {
    DocumentKind.VERIFICATION_REPORT: "产地核验报告",
    DocumentKind.TEST_REPORT: "检测报告",
    DocumentKind.PROOF_OF_ORIGIN: "产地证明",
}
ONSITE_INSPECTORS = "演示·宣威市局核查员 (demo)"
ONSITE_FINDINGS = (
    "示例数据 (demo)：加工车间位于宣威火腿地理标志保护范围（宣威市）内，"
    "生产情况与申报一致。虚构记录，仅用于演示。"
)
COUNTY_REASON = "示例 (demo)：县级初审通过，现场核查合格。"
PREFECTURE_REASON = "示例 (demo)：市级审核通过。"
PROVINCE_REASON = "示例 (demo)：省级核准。"
# Applications that ended without an authorization are left alone.
CLOSED = (S.APPROVED, S.REJECTED, S.NOT_ACCEPTED)


def _demo_pdf(kind: str) -> ContentFile:
    """A one-page PDF that says plainly it is a fictional demo document."""
    from weasyprint import HTML

    title = DOCUMENT_TITLES[kind]
    html = (
        '<html lang="zh"><head><meta charset="utf-8"></head>'
        '<body style="font-family: sans-serif">'
        f"<h1>示例文件 · Demo document</h1><h2>{title}（示例）</h2>"
        f"<p>{DEMO_PRODUCER} · {DEMO_PRODUCT}</p>"
        "<p>虚构文件，仅用于演示，不是真实的证明材料。</p>"
        "<p>Fictional document for the girrepo demo; not a real report or certificate.</p>"
        "</body></html>"
    )
    return ContentFile(HTML(string=html).write_pdf(), name=f"demo-{kind}.pdf")


class Command(BaseCommand):
    help = (
        "Take the demo producer's 宣威火腿 application through the real label workflow "
        "and issue one demo authorization (demo data)."
    )

    def handle(self, *args, **opts):
        verbose = opts["verbosity"] >= 1
        producer = Producer.objects.filter(name=DEMO_PRODUCER, is_demo=True).first()
        if producer is None:
            raise CommandError(f"run seed_demo_producers first: no demo producer {DEMO_PRODUCER}")
        product = GIProduct.objects.filter(
            name=DEMO_PRODUCT, register=Register.GI_PRODUCT, is_demo=False
        ).first()
        if product is None:
            raise CommandError(f"run load_gi_facts first: no GI product {DEMO_PRODUCT}")

        existing = Authorization.objects.filter(producer=producer, product=product).first()
        if existing is not None:
            if verbose:
                self.stdout.write(
                    f"seed_label_demo: demo authorization {existing.number} "
                    f"({existing.status}) is already there; nothing created. "
                    f"Verify at {reverse('labels:verify_detail', args=[existing.number])}"
                )
            return

        users = self._users()
        # Notifications would go to the demo logins' @demo.invalid addresses: drop them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            try:
                with transaction.atomic():
                    authorization = self._issue(producer, product, users)
            except (ValidationError, PermissionDenied) as exc:
                messages = getattr(exc, "messages", None) or [str(exc)]
                raise CommandError("seed_label_demo: " + "; ".join(messages)) from exc
        if verbose:
            self.stdout.write(
                f"seed_label_demo: demo authorization {authorization.number} issued to "
                f"{producer.name} for {product.name}. "
                f"Verify at {reverse('labels:verify_detail', args=[authorization.number])}"
            )

    def _users(self) -> dict:
        User = get_user_model()
        wanted = {
            "applicant": DEMO_PRODUCER_USER[0],
            "province": DEMO_STAFF[0][0],
            "prefecture": DEMO_STAFF[1][0],
            "county": DEMO_STAFF[2][0],
        }
        found = {u.username: u for u in User.objects.filter(username__in=wanted.values())}
        missing = sorted(set(wanted.values()) - set(found))
        if missing:
            raise CommandError(f"run seed_demo_accounts first: no user {', '.join(missing)}")
        return {role: found[username] for role, username in wanted.items()}

    def _application(self, producer, product, applicant) -> Application:
        """The demo producer's open application for the product, or a new draft."""
        application = (
            Application.objects.filter(producer=producer, product=product, kind=ApplicationKind.NEW)
            .exclude(status__in=CLOSED)
            .order_by("-created", "-pk")
            .first()
        )
        if application is not None:
            return application
        return intake.application_create(
            actor=applicant,
            producer=producer,
            product=product,
            annual_output=Decimal("120"),
            output_unit="吨",
            planned_label_use=20000,
        )

    def _complete_draft(self, application, applicant) -> None:
        if not application.sites.exists():
            name, (lon, lat) = DEMO_SITE
            intake.application_add_site(
                actor=applicant,
                application=application,
                geometry=Point(lon, lat, srid=4326),
                name=name,
            )
        have = set(application.documents.values_list("kind", flat=True))
        for kind in REQUIRED_DOCUMENTS:
            if kind not in have:
                intake.application_add_document(
                    actor=applicant, application=application, kind=kind, upload=_demo_pdf(kind)
                )

    def _issue(self, producer, product, users) -> Authorization:
        applicant, county = users["applicant"], users["county"]
        application = self._application(producer, product, applicant)
        today = timezone.localdate()
        while application.status != S.APPROVED:
            status = application.status
            if status in (S.DRAFT, S.RETURNED):
                self._complete_draft(application, applicant)
                services.application_submit(actor=applicant, application=application)
            elif status == S.SUBMITTED:
                services.application_accept(actor=county, application=application, today=today)
            elif status == S.COUNTY_REVIEW:
                if not application.onsite_checks.filter(passed=True).exists():
                    services.application_record_onsite_check(
                        actor=county,
                        application=application,
                        date=today,
                        inspectors=ONSITE_INSPECTORS,
                        findings=ONSITE_FINDINGS,
                        passed=True,
                    )
                services.application_county_pass(
                    actor=county, application=application, reason=COUNTY_REASON
                )
            elif status == S.PREFECTURE_REVIEW:
                services.application_prefecture_pass(
                    actor=users["prefecture"], application=application, reason=PREFECTURE_REASON
                )
            elif status == S.PROVINCE_REVIEW:
                return services.application_approve(
                    actor=users["province"],
                    application=application,
                    reason=PROVINCE_REASON,
                    today=today,
                )
            else:  # pragma: no cover - CLOSED statuses are never picked
                raise CommandError(f"seed_label_demo: cannot continue from {status}")
            application.refresh_from_db()
            if application.status == status:
                raise CommandError(f"seed_label_demo: the application stayed {status}")
        raise CommandError("seed_label_demo: the application is approved without authorization")

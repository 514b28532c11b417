"""Find authorizations with missing annual reports or 2 years of non-use and put
them on the abnormal-use list (异常名录). Idempotent; run it daily from cron."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from labels.compliance import compliance_scan


class Command(BaseCommand):
    help = "Put authorizations with missing annual reports or 2 years of non-use on the abnormal-use list."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Scan as of this day (YYYY-MM-DD) instead of today.",
        )

    def handle(self, *args, date=None, verbosity=1, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from exc
        summary = compliance_scan(today=today)
        if verbosity >= 2:
            for number in summary.missing_report:
                self.stdout.write(f"missing report: {number}")
            for number in summary.non_use:
                self.stdout.write(f"non-use: {number}")
        self.stdout.write(self.style.SUCCESS(str(summary)))

"""Approvals racing each other on committed data, each thread on its own connection.

20 simultaneous approvals of one application issue exactly one authorization; 20
approvals of different applications take 20 unique, gapless numbers. The years used
(2097, 2098) are far from any real year, and everything made here is deleted after.
"""

import threading
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.models import ProducerAccount, StaffAssignment
from labels import services
from labels.choices import ApplicationStatus
from labels.models import Application, Authorization, AuthorizationSerial
from tests.label_factories import PROVINCE, XUANWEI, ham_product, make_producer, make_user

THREADS = 20
SAME_DAY = date(2098, 3, 2)
MANY_DAY = date(2097, 3, 2)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """A province officer and applications awaiting the province's decision, committed."""
    with django_db_blocker.unblock():
        product = ham_product("宣威火腿（并发测试）")
        producer = make_producer("测试·并发火腿厂 (test)", XUANWEI, "91530381MA0DDD003")
        officer = make_user("concurrency-province", staff_of=PROVINCE)
        holder = make_user("concurrency-coop", producer=producer)

        def pending():
            return Application.objects.create(
                producer=producer,
                product=product,
                county=producer.county,
                status=ApplicationStatus.PROVINCE_REVIEW,
            )

        try:
            yield {"officer": officer, "pending": pending}
        finally:
            Authorization.objects.filter(producer=producer).delete()
            Application.objects.filter(producer=producer).delete()
            AuthorizationSerial.objects.filter(year__in=[SAME_DAY.year, MANY_DAY.year]).delete()
            ProducerAccount.objects.filter(producer=producer).delete()
            StaffAssignment.objects.filter(user__in=[officer, holder]).delete()
            get_user_model().objects.filter(pk__in=[officer.pk, holder.pk]).delete()
            producer.delete()
            product.delete()


def race(jobs):
    """Run each job in its own thread, released together; return (results, errors)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [], []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=30)
            outcome = job()
            with lock:
                results.append(outcome)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results, errors


def test_twenty_simultaneous_approvals_issue_one_authorization(committed, django_db_blocker):
    with django_db_blocker.unblock():
        application = committed["pending"]()
        officer = committed["officer"]

        def approve():
            return services.application_approve(
                actor=officer, application=application, today=SAME_DAY
            ).number

        results, errors = race([approve] * THREADS)
        assert results == ["YN-GI-2098-00001"]
        assert len(errors) == THREADS - 1
        assert all(isinstance(e, PermissionDenied) for e in errors), errors
        assert Authorization.objects.filter(application=application).count() == 1
        assert AuthorizationSerial.objects.get(year=SAME_DAY.year).last == 1
        application.refresh_from_db()
        assert application.status == ApplicationStatus.APPROVED
        assert application.events.filter(action="approve").count() == 1


def test_concurrent_approvals_of_different_applications_take_gapless_numbers(
    committed, django_db_blocker
):
    with django_db_blocker.unblock():
        officer = committed["officer"]
        applications = [committed["pending"]() for _ in range(THREADS)]

        def approver(application):
            return lambda: services.application_approve(
                actor=officer, application=application, today=MANY_DAY
            )

        results, errors = race([approver(a) for a in applications])
        assert errors == []
        numbers = sorted(a.number for a in results)
        assert numbers == [f"YN-GI-2097-{n:05d}" for n in range(1, THREADS + 1)]
        serials = sorted(
            Authorization.objects.filter(year=MANY_DAY.year).values_list("serial", flat=True)
        )
        assert serials == list(range(1, THREADS + 1))
        assert AuthorizationSerial.objects.get(year=MANY_DAY.year).last == THREADS
        # Each application got its own authorization.
        assert len({a.application_id for a in results}) == THREADS

"""Marks register: constraints and clean rules, terms and renewals, derived expiry, services."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from brands.choices import FamousMarkKind, MarkStatus, MarkType, MarkUseKind, RightType
from brands.dates import term_end
from brands.models import CustomsRecordation, FamousMark, GIMark, MarkTerm, MarkUse
from brands.selectors import gi_mark_current_expiry, gi_mark_effective_status, gi_mark_list
from brands.services import (
    customs_recordation_save,
    customs_valid_until_suggestion,
    famous_mark_save,
    gi_mark_save,
    mark_expire_lapsed,
    mark_image_add,
    mark_renew,
    mark_term_create_first,
    mark_use_add,
)
from girrepo.validators import make_credit_code
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save

pytestmark = pytest.mark.django_db


def producer(n: int, kind=ProducerKind.ASSOCIATION) -> Producer:
    return producer_save(
        producer=Producer(
            name=f"测试主体{n}号 (demo)",
            credit_code=make_credit_code(f"51530324MATEMB{n:03d}"),
            kind=kind,
            is_demo=True,
        )
    )


def mark(name="测试蜂蜜 (demo)", mark_type=MarkType.CERTIFICATION, **extra) -> GIMark:
    extra.setdefault("registration_date", dt.date(2010, 3, 15))
    return gi_mark_save(mark=GIMark(name=name, mark_type=mark_type, is_demo=True, **extra))


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def db_rejects(create):
    """The database itself refuses the row (validation bypassed)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


class TestGIMarkRules:
    @pytest.mark.parametrize("bad", [0, 46])
    def test_nice_class_out_of_range_is_a_field_error(self, bad):
        m = GIMark(name="测试 (demo)", mark_type=MarkType.COLLECTIVE, nice_classes=[30, bad])
        with pytest.raises(ValidationError) as exc:
            m.full_clean()
        assert list(errors_of(exc)) == ["nice_classes"]
        assert f"Nice class {bad} does not exist" in errors_of(exc)["nice_classes"][0]

    def test_nice_class_out_of_range_refused_by_database(self):
        db_rejects(
            lambda: GIMark.objects.create(
                name="测试 (demo)", mark_type=MarkType.COLLECTIVE, nice_classes=[46]
            )
        )

    def test_nice_class_listed_twice(self):
        with pytest.raises(ValidationError) as exc:
            GIMark(name="测试 (demo)", mark_type="collective", nice_classes=[30, 30]).full_clean()
        assert "listed twice" in errors_of(exc)["nice_classes"][0]

    def test_valid_classes_pass(self):
        assert mark(nice_classes=[1, 5, 45]).nice_classes == [1, 5, 45]

    def test_registration_number_unique(self):
        mark(registration_number="T-1 (demo)")
        with pytest.raises(ValidationError) as exc:
            mark(name="另一个 (demo)", registration_number="T-1 (demo)")
        assert "registration number" in errors_of(exc)["registration_number"][0]

    def test_unnumbered_duplicate_of_name_and_type_refused(self):
        mark()
        with pytest.raises(ValidationError) as exc:
            mark()
        assert "without registration number exists" in errors_of(exc)["registration_number"][0]
        # The same words as a collective mark are another record.
        assert mark(mark_type=MarkType.COLLECTIVE).pk

    def test_verified_flag_needs_a_date(self):
        with pytest.raises(ValidationError) as exc:
            mark(registration_date=None, date_verified=True)
        assert list(errors_of(exc)) == ["date_verified"]
        db_rejects(
            lambda: GIMark.objects.create(
                name="x (demo)", mark_type="collective", date_verified=True
            )
        )

    def test_registration_date_not_in_future(self):
        with pytest.raises(ValidationError) as exc:
            mark(registration_date=dt.date.today() + dt.timedelta(days=3))
        assert "future" in errors_of(exc)["registration_date"][0]

    def test_search_key_is_pinyin(self):
        assert mark(name="文山三七").search_key == "wenshansanqi"


class TestTerms:
    def test_first_term_is_ten_years_less_a_day(self):
        term = mark_term_create_first(mark=mark(registration_date=dt.date(2005, 3, 21)))
        assert (term.start, term.end) == (dt.date(2005, 3, 21), dt.date(2015, 3, 20))

    def test_leap_day_registration(self):
        m = mark(registration_date=dt.date(2008, 2, 29))
        first = mark_term_create_first(mark=m)
        assert first.end == dt.date(2018, 2, 28)
        renewal = mark_renew(mark=m)
        assert (renewal.start, renewal.end) == (dt.date(2018, 3, 1), dt.date(2028, 2, 29))

    def test_renewal_runs_from_the_day_after_expiry(self):
        m = mark()
        mark_term_create_first(mark=m)
        renewal = mark_renew(mark=m, filed_on=dt.date(2020, 1, 5))
        assert (renewal.start, renewal.end) == (dt.date(2020, 3, 15), dt.date(2030, 3, 14))
        m.refresh_from_db()
        assert m.status == MarkStatus.RENEWED
        assert gi_mark_current_expiry(mark=m) == dt.date(2030, 3, 14)
        third = mark_renew(mark=m)
        assert third.end == dt.date(2040, 3, 14)
        assert [t.end for t in m.terms.all()] == [
            dt.date(2020, 3, 14),
            dt.date(2030, 3, 14),
            dt.date(2040, 3, 14),
        ]

    @pytest.mark.parametrize("filed_on", [dt.date(2019, 3, 1), dt.date(2020, 9, 15)])
    def test_renewal_outside_the_window_refused(self, filed_on):
        m = mark()
        mark_term_create_first(mark=m)
        with pytest.raises(ValidationError) as exc:
            mark_renew(mark=m, filed_on=filed_on)
        assert "2019-03-14 and 2020-09-14" in errors_of(exc)["filed_on"][0]
        assert m.terms.count() == 1

    def test_renewal_in_grace_period_accepted(self):
        m = mark()
        mark_term_create_first(mark=m)
        assert mark_renew(mark=m, filed_on=dt.date(2020, 9, 14)).start == dt.date(2020, 3, 15)

    def test_cancelled_mark_not_renewed(self):
        m = mark(status=MarkStatus.CANCELLED)
        mark_term_create_first(mark=m)
        with pytest.raises(ValidationError) as exc:
            mark_renew(mark=m)
        assert "status" in errors_of(exc)

    def test_first_term_needs_registration_date(self):
        with pytest.raises(ValidationError) as exc:
            mark_term_create_first(mark=mark(registration_date=None))
        assert "registration_date" in errors_of(exc)

    def test_overlapping_term_is_a_field_error(self):
        m = mark()
        mark_term_create_first(mark=m)  # 2010-03-15 – 2020-03-14
        clash = MarkTerm(mark=m, start=dt.date(2020, 3, 14), end=term_end(dt.date(2020, 3, 14)))
        with pytest.raises(ValidationError) as exc:
            clash.full_clean()
        assert "overlaps the term 2010-03-15 – 2020-03-14" in errors_of(exc)["start"][0]

    def test_overlap_refused_by_database(self):
        m = mark()
        mark_term_create_first(mark=m)
        db_rejects(
            lambda: MarkTerm.objects.create(
                mark=m, start=dt.date(2015, 1, 1), end=dt.date(2024, 12, 31)
            )
        )

    def test_terms_of_other_marks_do_not_clash(self):
        mark_term_create_first(mark=mark())
        other = mark(name="另一个 (demo)")
        assert mark_term_create_first(mark=other).start == dt.date(2010, 3, 15)

    def test_end_after_start(self):
        m = mark()
        with pytest.raises(ValidationError) as exc:
            MarkTerm(mark=m, start=dt.date(2010, 1, 1), end=dt.date(2009, 1, 1)).full_clean()
        assert list(errors_of(exc)) == ["end"]
        db_rejects(
            lambda: MarkTerm.objects.create(
                mark=m, start=dt.date(2010, 1, 1), end=dt.date(2010, 1, 1)
            )
        )


class TestDerivedExpiry:
    def test_expired_after_last_term_without_renewal(self):
        m = mark()
        mark_term_create_first(mark=m)  # ends 2020-03-14
        assert gi_mark_effective_status(mark=m, today=dt.date(2020, 3, 14)) == "registered"
        assert gi_mark_effective_status(mark=m, today=dt.date(2020, 3, 15)) == "expired"
        m.refresh_from_db()
        assert m.status == MarkStatus.REGISTERED  # derived, not written by save()
        listed = gi_mark_list(today=dt.date(2020, 3, 15)).get(pk=m.pk)
        assert (listed.current_expiry, listed.effective_status) == (dt.date(2020, 3, 14), "expired")

    def test_renewal_keeps_it_in_force(self):
        m = mark()
        mark_term_create_first(mark=m)
        mark_renew(mark=m)
        m.refresh_from_db()
        assert gi_mark_effective_status(mark=m, today=dt.date(2021, 1, 1)) == "renewed"
        assert gi_mark_list(today=dt.date(2021, 1, 1)).get(pk=m.pk).effective_status == "renewed"

    def test_no_terms_recorded_means_no_derived_expiry(self):
        m = mark(registration_date=dt.date(1990, 1, 1))
        assert gi_mark_effective_status(mark=m, today=dt.date(2030, 1, 1)) == "registered"

    def test_cancelled_stays_cancelled(self):
        m = mark(status=MarkStatus.CANCELLED)
        mark_term_create_first(mark=m)
        assert gi_mark_effective_status(mark=m, today=dt.date(2030, 1, 1)) == "cancelled"

    def test_expire_lapsed_writes_status_with_history(self):
        lapsed, renewed = mark(), mark(name="续展的 (demo)")
        mark_term_create_first(mark=lapsed)
        mark_term_create_first(mark=renewed)
        mark_renew(mark=renewed)
        assert mark_expire_lapsed(today=dt.date(2021, 1, 1)) == 1
        lapsed.refresh_from_db()
        renewed.refresh_from_db()
        assert (lapsed.status, renewed.status) == ("expired", "renewed")
        assert lapsed.history.first().status == "expired"
        assert mark_expire_lapsed(today=dt.date(2021, 1, 1)) == 0


class TestMarkUse:
    def test_kind_follows_the_mark_type(self):
        registrant = producer(1)
        cert = mark(registrant=registrant)
        coll = mark(mark_type=MarkType.COLLECTIVE, registrant=registrant)
        assert mark_use_add(mark=cert, producer=producer(2)).kind == MarkUseKind.LICENSEE
        assert mark_use_add(mark=coll, producer=producer(3)).kind == MarkUseKind.MEMBER

    def test_licensee_on_a_collective_mark_refused(self):
        coll = mark(mark_type=MarkType.COLLECTIVE)
        use = MarkUse(mark=coll, producer=producer(4), kind=MarkUseKind.LICENSEE)
        with pytest.raises(ValidationError) as exc:
            use.full_clean()
        assert list(errors_of(exc)) == ["kind"]
        assert "used by the registrant's members, not by licensees" in errors_of(exc)["kind"][0]

    def test_member_of_a_certification_mark_refused(self):
        use = MarkUse(mark=mark(), producer=producer(5), kind=MarkUseKind.MEMBER)
        with pytest.raises(ValidationError) as exc:
            use.full_clean()
        assert "filed licensees, not by members" in errors_of(exc)["kind"][0]

    def test_certification_registrant_cannot_license_itself(self):
        assoc = producer(6)
        with pytest.raises(ValidationError) as exc:
            mark_use_add(mark=mark(registrant=assoc), producer=assoc)
        assert "own goods" in errors_of(exc)["producer"][0]

    def test_end_before_start(self):
        with pytest.raises(ValidationError) as exc:
            mark_use_add(
                mark=mark(),
                producer=producer(7),
                start=dt.date(2020, 1, 1),
                end=dt.date(2019, 1, 1),
            )
        assert list(errors_of(exc)) == ["end"]

    def test_same_producer_same_start_once(self):
        m, p = mark(), producer(8)
        mark_use_add(mark=m, producer=p, start=dt.date(2020, 1, 1))
        with pytest.raises(ValidationError):
            mark_use_add(mark=m, producer=p, start=dt.date(2020, 1, 1))
        assert m.uses.count() == 1


class TestFamousMark:
    def test_well_known_has_no_expiry(self):
        fm = FamousMark(
            kind=FamousMarkKind.WELL_KNOWN,
            name="测试 (demo)",
            recognition_date=dt.date(2011, 5, 27),
            valid_until=dt.date(2020, 1, 1),
        )
        with pytest.raises(ValidationError) as exc:
            fm.full_clean()
        assert list(errors_of(exc)) == ["valid_until"]
        assert "no period of validity" in errors_of(exc)["valid_until"][0]
        db_rejects(fm.save)

    def test_yunnan_famous_needs_valid_until(self):
        fm = FamousMark(
            kind=FamousMarkKind.YUNNAN_FAMOUS,
            name="测试 (demo)",
            recognition_date=dt.date(2012, 1, 1),
        )
        with pytest.raises(ValidationError) as exc:
            fm.full_clean()
        assert list(errors_of(exc)) == ["valid_until"]
        db_rejects(fm.save)

    def test_yunnan_famous_needs_recognition_date(self):
        fm = FamousMark(
            kind=FamousMarkKind.YUNNAN_FAMOUS, name="测试 (demo)", valid_until=dt.date(2015, 1, 1)
        )
        with pytest.raises(ValidationError) as exc:
            fm.full_clean()
        assert list(errors_of(exc)) == ["recognition_date"]

    def test_valid_until_after_recognition(self):
        fm = FamousMark(
            kind=FamousMarkKind.YUNNAN_FAMOUS,
            name="测试 (demo)",
            recognition_date=dt.date(2012, 1, 1),
            valid_until=dt.date(2011, 12, 31),
        )
        with pytest.raises(ValidationError) as exc:
            fm.full_clean()
        assert errors_of(exc) == {
            "valid_until": ["'Valid until' must be after the recognition date."]
        }
        db_rejects(fm.save)

    def test_nice_class_range(self):
        fm = FamousMark(kind=FamousMarkKind.WELL_KNOWN, name="测试 (demo)", nice_class=46)
        with pytest.raises(ValidationError) as exc:
            fm.full_clean()
        assert list(errors_of(exc)) == ["nice_class"]
        db_rejects(fm.save)

    def test_valid_records_save(self):
        wk = famous_mark_save(
            famous_mark=FamousMark(
                kind=FamousMarkKind.WELL_KNOWN,
                name="测试 (demo)",
                recognition_date=dt.date(2011, 5, 27),
            )
        )
        yf = famous_mark_save(
            famous_mark=FamousMark(
                kind=FamousMarkKind.YUNNAN_FAMOUS,
                name="测试 (demo)",
                recognition_date=dt.date(2012, 1, 1),
                valid_until=dt.date(2015, 1, 1),
            )
        )
        assert wk.valid_until is None and yf.valid_until == dt.date(2015, 1, 1)


class TestCustomsRecordation:
    def test_suggestion_is_ten_years(self):
        assert customs_valid_until_suggestion(recordation_date=dt.date(2014, 7, 1)) == dt.date(
            2024, 6, 30
        )

    def test_suggestion_stops_at_the_rights_expiry(self):
        got = customs_valid_until_suggestion(
            recordation_date=dt.date(2014, 7, 1), right_expiry=dt.date(2020, 3, 14)
        )
        assert got == dt.date(2020, 3, 14)

    def test_save_fills_valid_until_from_the_linked_mark(self):
        m = mark()
        mark_term_create_first(mark=m)  # ends 2020-03-14
        rec = customs_recordation_save(
            recordation=CustomsRecordation(
                right_type=RightType.GI_MARK,
                recorded_right="测试蜂蜜 (demo)",
                gi_mark=m,
                recordation_date=dt.date(2014, 7, 1),
            )
        )
        assert rec.valid_until == dt.date(2020, 3, 14)

    def test_valid_until_after_recordation(self):
        rec = CustomsRecordation(
            right_type=RightType.PATENT,
            recorded_right="测试专利 (demo)",
            recordation_date=dt.date(2014, 7, 1),
            valid_until=dt.date(2014, 7, 1),
        )
        with pytest.raises(ValidationError) as exc:
            rec.full_clean()
        assert list(errors_of(exc)) == ["valid_until"]
        db_rejects(rec.save)

    def test_linked_mark_must_match_right_type(self):
        m = mark()
        fm = famous_mark_save(
            famous_mark=FamousMark(kind=FamousMarkKind.WELL_KNOWN, name="测试 (demo)")
        )
        patent = CustomsRecordation(right_type=RightType.PATENT, recorded_right="x", gi_mark=m)
        with pytest.raises(ValidationError) as exc:
            patent.full_clean()
        assert list(errors_of(exc)) == ["gi_mark"]
        both = CustomsRecordation(
            right_type=RightType.TRADEMARK, recorded_right="x", gi_mark=m, famous_mark=fm
        )
        with pytest.raises(ValidationError) as exc:
            both.full_clean()
        assert "not both" in errors_of(exc)["famous_mark"][0]
        db_rejects(both.save)


def test_mark_image_is_sanitised():
    buf = io.BytesIO()
    img = Image.new("RGB", (900, 600), (10, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"
    img.save(buf, "JPEG", exif=exif)
    image = mark_image_add(
        mark=mark(), upload=SimpleUploadedFile("mark.jpg", buf.getvalue()), caption="图样 (demo)"
    )
    stored = Image.open(image.image.open())
    assert not stored.getexif()
    assert max(Image.open(image.thumbnail.open()).size) == 480

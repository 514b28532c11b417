"""The world of tests/test_api_roles.py: one record in every public register, the users
of the seven roles with their tokens, and applications and authorizations in each
state, built through the real services."""

import datetime as dt
from functools import cached_property

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from brands.choices import RightType
from brands.models import CustomsRecordation
from brands.services import customs_recordation_save
from labels import compliance, services
from labels.choices import ApplicationStatus
from tests import api_factories as f
from tests.label_factories import (
    LULIANG,
    PASSWORD,
    XUANWEI,
    advance,
    draft,
    make_user,
)

S = ApplicationStatus


class Base:
    """What no test changes, built once for the module: one record in every public
    register, the users of the seven roles and their API tokens."""

    def __init__(self):
        regs = f.registers()
        self.ham, self.holder, self.mark = regs.ham, regs.xuanwei_producer, regs.mark
        self.category = regs.ham.category
        self.well_known, self.variety = regs.well_known, regs.variety
        self.township_product = regs.township_product
        self.recordation = customs_recordation_save(
            recordation=CustomsRecordation(
                right_type=RightType.GI_MARK,
                recorded_right="文山三七 证明商标 (demo)",
                gi_mark=regs.mark,
                recordation_date=dt.date(2014, 7, 1),
            )
        )
        self.xuanwei = f.region(XUANWEI)
        self.stranger_producer = regs.luliang_producer
        self.people = p = f.actors(self.holder)
        self.users = {
            "anon": None,
            "owner": p.applicant,
            "stranger": make_user("api-stranger", producer=regs.luliang_producer),
            "county": p.county,
            "other": make_user("api-luliang-staff", staff_of=LULIANG),
            "pref": p.prefecture,
            "prov": p.province,
        }
        self.tokens = {
            role: Token.objects.create(user=user).key
            for role, user in self.users.items()
            if user is not None
        }


class World:
    """The base, and applications and authorizations of 宣威市 in each state, each
    built through the real services when a test first asks for it."""

    def __init__(self, base: Base):
        self.__dict__.update(vars(base))

    def client(self, role: str, *, session: bool = False) -> APIClient:
        client = APIClient()
        user = self.users[role]
        if user is None:
            return client
        if session:
            assert client.login(username=user.username, password=PASSWORD)
        else:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
        return client

    def _application(self, to: str):
        p = self.people
        application = draft(p.applicant, p.holder, self.ham)
        return advance(
            application,
            to=to,
            applicant=p.applicant,
            county=p.county,
            prefecture=p.prefecture,
            province=p.province,
        )

    @cached_property
    def draft(self):
        return self._application(S.DRAFT)

    @cached_property
    def submitted(self):
        return self._application(S.SUBMITTED)

    @cached_property
    def county_review(self):
        return self._application(S.COUNTY_REVIEW)

    @cached_property
    def county_checked(self):
        application = self._application(S.COUNTY_REVIEW)
        services.application_record_onsite_check(
            actor=self.people.county,
            application=application,
            date=dt.date.today(),
            inspectors="演示检查员 (test)",
            findings="车间与申报一致。",
            passed=True,
        )
        return application

    @cached_property
    def prefecture_review(self):
        return self._application(S.PREFECTURE_REVIEW)

    @cached_property
    def province_review(self):
        return self._application(S.PROVINCE_REVIEW)

    @cached_property
    def returned(self):
        application = self._application(S.COUNTY_REVIEW)
        services.application_return(
            actor=self.people.county, application=application, reason="补充检测报告 (test)"
        )
        application.refresh_from_db()
        assert application.status == S.RETURNED
        return application

    @cached_property
    def returned_site(self):
        return self.returned.sites.first()

    @cached_property
    def returned_document(self):
        return self.returned.documents.first()

    @cached_property
    def strangers_draft(self):
        return draft(self.users["stranger"], self.stranger_producer, self.ham)

    @cached_property
    def strangers_site(self):
        return self.strangers_draft.sites.first()

    @cached_property
    def strangers_document(self):
        return self.strangers_draft.documents.first()

    @cached_property
    def authorization(self):
        return f.authorization(self.ham, self.people)

    @cached_property
    def cancelled(self):
        return f.cancel(self.authorization, by=self.people.county)

    @cached_property
    def abnormal(self):
        compliance.authorization_list_abnormal(
            actor=self.people.county, authorization=self.authorization, reason="未按标准生产"
        )
        return self.authorization

    @cached_property
    def rectification(self):
        compliance.authorization_order_rectification(
            actor=self.people.county, authorization=self.abnormal, reason="限期整改"
        )
        return self.authorization

    @cached_property
    def report(self):
        auth = self.authorization
        return compliance.annual_report_file(
            actor=self.people.applicant,
            authorization=auth,
            year=auth.valid_from.year,
            labels_printed=1000,
            labels_used=800,
        )

"""Builders for the API and OGC tests: one record in every public register.

Facts are those of DATA.md: 宣威火腿 (area 宣威市 530381, GB/T 18357-2008), the
文山三七 certification mark (registered 2005-03-21) and its recognition as a China
well-known mark (2011-05-27), the tea cultivar 云抗10号. Producers, users, the
township product and the authorizations are fictional and flagged as demo.
"""

import datetime as dt
import json
from dataclasses import dataclass

from brands.choices import FamousMarkKind, MarkType
from brands.models import FamousMark, GIMark
from brands.services import famous_mark_save, gi_mark_save
from girrepo.api.exceptions import MESSAGES
from labels import compliance, services
from labels.choices import ApplicationStatus
from labels.models import Authorization
from producers.models import Producer
from products.models import GIProduct
from tests.label_factories import (
    LULIANG,
    LULIANG_POINT,
    PROVINCE,
    QUJING,
    XUANWEI,
    advance,
    draft,
    ham_product,
    make_producer,
    make_user,
    region,
)
from township_products.models import TownshipProduct
from township_products.services import township_product_save
from varieties.choices import PlantType
from varieties.models import PlantVariety
from varieties.services import variety_save

WENSHAN = "532600"  # 文山州
MAJIE = "530322104"  # 陆良县 马街镇 (statistical code)


def wenshan_sanqi_mark() -> GIMark:
    return gi_mark_save(
        mark=GIMark(
            name="文山三七",
            mark_type=MarkType.CERTIFICATION,
            registration_date=dt.date(2005, 3, 21),
            date_verified=True,
        ),
        origin_regions=[region(WENSHAN)],
    )


def wenshan_sanqi_well_known() -> FamousMark:
    return famous_mark_save(
        famous_mark=FamousMark(
            kind=FamousMarkKind.WELL_KNOWN,
            name="文山三七",
            recognition_date=dt.date(2011, 5, 27),
            date_verified=True,
        )
    )


def yunkang_10() -> PlantVariety:
    return variety_save(
        variety=PlantVariety(
            denomination="云抗10号",
            species_zh="茶",
            species_latin="Camellia sinensis",
            plant_type=PlantType.WOODY_OTHER,
        )
    )


def majie_pigs() -> TownshipProduct:
    return township_product_save(
        township_product=TownshipProduct(
            township=region(MAJIE), product_name="滇陆猪 (demo)", is_demo=True
        )
    )


@dataclass
class Actors:
    applicant: object
    county: object
    prefecture: object
    province: object
    holder: Producer


def actors(holder: Producer, *, suffix: str = "") -> Actors:
    return Actors(
        applicant=make_user(f"api-applicant{suffix}", producer=holder),
        county=make_user(f"api-county{suffix}", staff_of=XUANWEI),
        prefecture=make_user(f"api-prefecture{suffix}", staff_of=QUJING),
        province=make_user(f"api-province{suffix}", staff_of=PROVINCE),
        holder=holder,
    )


def authorization(product: GIProduct, people: Actors) -> Authorization:
    """An authorization issued through the real workflow services."""
    application = draft(people.applicant, people.holder, product)
    application = advance(
        application,
        to=ApplicationStatus.PROVINCE_REVIEW,
        applicant=people.applicant,
        county=people.county,
        prefecture=people.prefecture,
        province=people.province,
    )
    return services.application_approve(actor=people.province, application=application)


def cancel(authorization: Authorization, *, by) -> Authorization:
    compliance.authorization_cancel(
        actor=by,
        authorization=authorization,
        reason="演示：未按标准生产 (demo)",
        serious=True,
    )
    authorization.refresh_from_db()
    return authorization


@dataclass
class Registers:
    ham: GIProduct
    xuanwei_producer: Producer
    luliang_producer: Producer
    mark: GIMark
    well_known: FamousMark
    variety: PlantVariety
    township_product: TownshipProduct


def registers() -> Registers:
    return Registers(
        ham=ham_product(),
        xuanwei_producer=make_producer("宣威演示火腿厂 (demo)", XUANWEI, "91530381MA6AP0001"),
        luliang_producer=make_producer(
            "陆良演示养殖合作社 (demo)", LULIANG, "93530322MA6AP0002", point=LULIANG_POINT
        ),
        mark=wenshan_sanqi_mark(),
        well_known=wenshan_sanqi_well_known(),
        variety=yunkang_10(),
        township_product=majie_pigs(),
    )


def body(response) -> dict:
    return json.loads(response.content)


def assert_error(response, status: int, code: str) -> dict:
    """The API's error shape: ``code`` with its fixed English and Chinese messages."""
    data = body(response)
    assert response.status_code == status, data
    assert data["code"] == code
    assert (data["message"], data["message_zh"]) == MESSAGES[code]
    return data

"""Shared builders for stations tests: valid uploads and a complete application payload."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from repairnet.models import Region
from stations.models import Application
from tests.uploads import pdf_bytes


def pdf_upload(name="licence.pdf", size=0):
    body = pdf_bytes() + b"0" * size
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png_upload(name="photo.png"):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def application_data(**overrides):
    data = {
        "company_name": "郑州金水星辉家电维修有限公司",
        "licence_number": "91410105MA12345678",
        "legal_representative": "刘大伟",
        "contact_name": "刘大伟",
        "contact_phone": "13812345678",
        "email": "liu@example.com",
        "address": "郑州市金水区花园路88号",
        "region": Region.objects.get(code="410105").pk,
        "tier_wanted": "centre",
        "years_experience": 6,
        "brands_serviced": "移动、小灵通",
        "staff_list": "刘大伟 协调员\n王强 维修工程师\n李明 维修工程师",
        "coordinators": 1,
        "engineers": 2,
        "clerks": 1,
        "reception_area": "15",
        "repair_area": "12",
        "storage_area": "10",
        "has_repair_tools": True,
        "has_computer": True,
        "has_instruments": True,
        "has_service_phone": True,
        "equipment_notes": "示波器、万用表、电脑两台",
        "declares_no_counterfeit": True,
    }
    data.update(overrides)
    return data


def post_data(**overrides):
    """Form POST payload (booleans as 'on', files attached)."""
    data = application_data(**overrides)
    out = {}
    for k, v in data.items():
        if v is True:
            out[k] = "on"
        elif v is False:
            continue
        else:
            out[k] = v
    out.setdefault("business_licence", pdf_upload())
    out.setdefault("financial_report", png_upload("report.png"))
    return out


FULL_SCORES = {"experience": 18, "staff": 17, "site": 18, "equipment": 13, "management": 12, "market": 8}  # 86


def deposit_received(amount="10000.00", reference="BJ-TEST-0001", paid_on=None, prefix=""):
    """The deposit HQ received, as the approval's API body (``prefix="approve-"``: as the page's form)."""
    from tests import clock

    return {
        f"{prefix}deposit_amount": amount,
        f"{prefix}deposit_paid_on": (paid_on or clock.today()).isoformat(),
        f"{prefix}deposit_reference": reference,
    }


def site(station, **overrides):
    """The station's recorded site: an approved application's facts (the centre's requirements met)."""
    data = application_data(**overrides)
    data["region"] = Region.objects.get(pk=data["region"])
    return Application.objects.create(
        **data, status=Application.Status.APPROVED, station=station, reference=f"SQ{station.pk:06d}"
    )


def exam_recorded(*, user, actor, theory_score, practical_score, on=None, trained_on=None):
    """A repair-technician exam taken ``on`` (today by default) after training on ``trained_on`` (the exam
    day by default), recorded through the service."""
    from stations import services
    from tests import clock

    on = on or clock.today()
    return services.exam_record(
        user=user,
        kind="repair_technician",
        trained_on=trained_on or on,
        exam_on=on,
        theory_score=theory_score,
        practical_score=practical_score,
        actor=actor,
    )

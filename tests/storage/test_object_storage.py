"""Every stored file in S3-compatible object storage: uploaded through the real pages, read back through the
permission-checked views byte for byte, generated documents handed out as short-lived signed URLs."""

import datetime
import io
import urllib.request
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from repairnet import filestore, roles
from stations.models import Application
from tests import clock
from tests.factories import StationFactory, make_user
from tests.stations.helpers import pdf_upload, png_upload, post_data
from tests.tickets.factories import TicketFactory, certified_technician
from tickets import services as ticket_services
from tickets.models import Ticket

from .conftest import keys

pytestmark = pytest.mark.django_db


def _fetch(url: str) -> bytes:
    assert urlsplit(url).hostname == "127.0.0.1"  # never outside this machine
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local S3 server
        return response.read()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_licence_uploaded_by_the_page_lands_in_the_bucket_and_only_hq_reads_it(client, client_for, s3, s3_bucket):
    licence = pdf_upload("licence.pdf")
    sent = licence.read()
    licence.seek(0)
    response = client.post(reverse("stations:apply"), post_data(business_licence=licence))
    assert response.status_code == 302
    app = Application.objects.get()
    assert app.business_licence.name in keys(s3, s3_bucket, "stations/applications/")
    assert s3.get_object(Bucket=s3_bucket, Key=app.business_licence.name)["Body"].read() == sent

    url = reverse("stations:application-document", args=[app.pk, "business_licence"])
    download = client_for(roles.HQ).get(url)
    assert download.status_code == 200 and _body(download) == sent
    assert client_for(roles.COORDINATOR, StationFactory()).get(url).status_code == 403
    assert client_for(roles.TECHNICIAN, StationFactory()).get(url).status_code == 403


def test_a_missing_object_is_a_404_not_a_500(client, client_for, s3, s3_bucket):
    client.post(reverse("stations:apply"), post_data())
    app = Application.objects.get()
    s3.delete_object(Bucket=s3_bucket, Key=app.financial_report.name)
    url = reverse("stations:application-document", args=[app.pk, "financial_report"])
    assert client_for(roles.HQ).get(url).status_code == 404


def test_withdrawn_application_keeps_its_documents(client, client_for, s3, s3_bucket):
    """SPEC 1.2 allows withdrawing before approval and says nothing of erasing: the documents stay on record."""
    client.post(reverse("stations:apply"), post_data())
    app = Application.objects.get()
    hq = client_for(roles.HQ)
    hq.post(reverse("stations:application-action", args=[app.pk, "withdraw"]), {"reason": "applicant asked"})
    app.refresh_from_db()
    assert app.status == Application.Status.WITHDRAWN
    stored = keys(s3, s3_bucket, "stations/applications/")
    assert app.business_licence.name in stored and app.financial_report.name in stored
    url = reverse("stations:application-document", args=[app.pk, "business_licence"])
    assert hq.get(url).status_code == 200


def _completed_by_page(client, station, photo):
    tech = certified_technician(station)
    ticket = TicketFactory()
    ticket_services.ticket_dispatch(ticket_id=ticket.pk, station_id=station.pk, actor=make_user(roles.HOTLINE))
    client.force_login(tech)
    client.post(f"/tickets/{ticket.pk}/do/accept/", {"next": "queue"})
    client.post(f"/tickets/{ticket.pk}/do/arrive/")
    response = client.post(
        f"/tickets/{ticket.pk}/complete/",
        {"fault_found": "主板虚焊", "work_done": "补焊", "signoff_name": "客户", "photo_before": photo},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.COMPLETED
    return ticket


def test_ticket_photo_is_read_back_only_by_its_station(client, client_for, s3, s3_bucket):
    station = StationFactory()
    photo = png_upload("before.png")
    sent = photo.read()
    photo.seek(0)
    ticket = _completed_by_page(client, station, photo)
    assert ticket.photo_before.name in keys(s3, s3_bucket, "tickets/photos/")

    url = reverse("tickets:file", args=[ticket.pk, "photo_before"])
    own = client.get(url)
    assert own.status_code == 200 and _body(own) == sent
    assert client_for(roles.TECHNICIAN, StationFactory()).get(url).status_code == 404
    assert client_for(roles.COORDINATOR, StationFactory()).get(url).status_code == 404


def test_generated_report_is_stored_and_handed_out_as_a_signed_url(client, client_for, s3, s3_bucket):
    ticket = _completed_by_page(client, StationFactory(), png_upload("before.png"))
    response = client.get(f"/tickets/{ticket.pk}/report.pdf")
    assert response.status_code == 302
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"] and "X-Amz-Signature" in query
    assert "attachment" in query["response-content-disposition"][0]
    assert _fetch(url).startswith(b"%PDF")
    [stored] = keys(s3, s3_bucket, "exports/")
    assert stored.endswith(f"/{ticket.number}.pdf")
    # another station's staff never gets a URL, and nothing is stored for them
    assert client_for(roles.TECHNICIAN, StationFactory()).get(f"/tickets/{ticket.pk}/report.pdf").status_code == 404
    assert keys(s3, s3_bucket, "exports/") == [stored]


def test_finance_workbook_is_stored_in_the_bucket_and_downloads(client_for, s3, s3_bucket):
    month = clock.today().replace(day=1) - datetime.timedelta(days=1)
    response = client_for(roles.FINANCE).get(f"/api/v1/settlement/months/{month:%Y-%m}/workbook/")
    assert response.status_code == 302
    book = openpyxl.load_workbook(io.BytesIO(_fetch(response["Location"])), read_only=True)
    assert book.sheetnames
    assert any(key.endswith(f"settlement-{month:%Y-%m}.xlsx") for key in keys(s3, s3_bucket, "exports/"))
    assert (
        client_for(roles.TECHNICIAN, StationFactory())
        .get(f"/api/v1/settlement/months/{month:%Y-%m}/workbook/")
        .status_code
        == 403
    )


def test_a_signed_url_carries_its_short_expiry(s3, s3_bucket):
    """moto (5.x) serves presigned URLs without checking their expiry or signature, so this test checks what
    the URL promises S3, MinIO and OSS: signed (SigV4), valid 1 second from the instant it was signed."""
    name = default_storage.save("tests/expiry.txt", io.BytesIO(b"short-lived"))
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    url = filestore.signed_url(name, filename="expiry.txt", content_type="text/plain", expire=1)
    after = datetime.datetime.now(datetime.UTC)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-SignedHeaders"] == ["host"]
    assert query["X-Amz-Expires"] == ["1"]
    signed_at = datetime.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    assert before <= signed_at <= after
    assert _fetch(url) == b"short-lived"


def test_old_exports_are_purged_and_todays_kept(s3, s3_bucket):
    today = clock.today()
    old = default_storage.save(f"exports/{today - datetime.timedelta(days=3):%Y-%m-%d}/x/old.pdf", io.BytesIO(b"1"))
    fresh = default_storage.save(f"exports/{today:%Y-%m-%d}/y/new.pdf", io.BytesIO(b"2"))
    assert filestore.exports_purge() == 1
    remaining = keys(s3, s3_bucket, "exports/")
    assert old not in remaining and fresh in remaining


def test_signed_urls_name_the_public_endpoint_when_one_is_set(s3, s3_server, settings):
    """compose: web nodes reach MinIO as minio:9000, browsers as MINIO_PUBLIC_URL; signing needs no request."""
    name = default_storage.save("tests/public.txt", io.BytesIO(b"x"))
    port = urlsplit(s3_server).port
    settings.AWS_S3_URL_ENDPOINT = f"http://localhost:{port}"
    url = filestore.signed_url(name, filename="public.txt", content_type="text/plain")
    assert urlsplit(url).netloc == f"localhost:{port}" and "X-Amz-Signature" in url

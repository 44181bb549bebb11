"""Serving stored files, on local disk or in S3-compatible object storage, after the view has checked permission.

One rule for every download:
- a file someone uploaded (licence, report, site/ticket/inspection photo, signature: at most UPLOAD_MAX_BYTES) is
  streamed by the view that checked permission, ``stored_file_response``; pages show photos inline from that URL;
- a document built for the request (PDF, XLSX workbook; a month's workbook can be large) is streamed from its temp
  file on local disk; with object storage it is saved under ``exports/<day>/`` and the view answers with a redirect
  to a signed URL valid for AWS_QUERYSTRING_EXPIRE seconds, so the web node does not carry the bytes. The signed
  URL is made only after the permission check; the bucket itself is private.

No code uses ``FieldFile.path``: object storage has no local path. Files are read with ``open()``.
"""

import datetime
import functools
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.encoding import escape_uri_path

EXPORTS_DIR = "exports"


def object_storage() -> bool:
    return settings.STORAGE_BACKEND == "s3"


def stored_file_response(file, *, filename: str | None = None, content_type: str | None = None) -> FileResponse:
    """Stream an uploaded file (a FieldFile); a missing file is a 404, never a 500."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=False, filename=filename or "", content_type=content_type)


@functools.lru_cache(maxsize=4)
def _url_signer(endpoint: str, options: tuple):
    from storages.backends.s3 import S3Storage

    return S3Storage(**{**dict(options), "endpoint_url": endpoint})


def signed_url(name: str, *, filename: str, content_type: str, expire: int | None = None) -> str:
    """A short-lived GET URL for a stored object that downloads as ``filename``. Signing is local: no request."""
    options = settings.S3_STORAGE_OPTIONS
    endpoint = settings.AWS_S3_URL_ENDPOINT
    storage = default_storage if endpoint == options["endpoint_url"] else _url_signer(endpoint, tuple(options.items()))
    disposition = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return storage.url(
        name,
        parameters={"ResponseContentDisposition": disposition, "ResponseContentType": content_type},
        expire=settings.AWS_QUERYSTRING_EXPIRE if expire is None else expire,
    )


def export_store(path: Path, filename: str) -> str:
    """Move a built document from its temp file into storage; returns its storage name."""
    day = timezone.localdate()
    with open(path, "rb") as handle:
        name = default_storage.save(f"{EXPORTS_DIR}/{day:%Y-%m-%d}/{uuid.uuid4().hex}/{filename}", File(handle))
    os.unlink(path)
    return name


def export_response(path: Path, filename: str, content_type: str):
    """Hand a document built for this request to the user who was allowed to ask for it (see the module rule)."""
    if object_storage():
        name = export_store(path, filename)
        return HttpResponseRedirect(signed_url(name, filename=filename, content_type=content_type))
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    os.unlink(path)  # the open handle keeps the data readable until the response is done
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete stored exports older than yesterday (their signed URLs expired long ago); returns files deleted."""
    if not object_storage():
        return 0  # on local disk exports stream from their temp file and are never stored
    cutoff = f"{(timezone.localdate(now) - datetime.timedelta(days=1)):%Y-%m-%d}"
    deleted = 0
    days, _files = default_storage.listdir(EXPORTS_DIR)
    for day in days:
        if day >= cutoff:
            continue
        deleted += _delete_tree(f"{EXPORTS_DIR}/{day}")
    return deleted


def _delete_tree(prefix: str) -> int:
    dirs, files = default_storage.listdir(prefix)
    count = 0
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
        count += 1
    for sub in dirs:
        count += _delete_tree(f"{prefix}/{sub}")
    return count

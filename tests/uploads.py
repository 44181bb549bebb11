"""Upload builders for every area's tests: real files made by the libraries, and the broken ones they refuse."""

import functools
import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@functools.cache
def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF made by reportlab with ``pages`` pages."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for number in range(pages):
        pdf.drawString(72, 720, f"Business licence, page {number + 1}")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def real_pdf(name="licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def fake_pdf(name="licence.pdf") -> SimpleUploadedFile:
    """The magic number and nothing a PDF reader can use."""
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + bytes(range(256)) * 8, content_type="application/pdf")


def encrypted_pdf(name="locked.pdf", *, user_password="secret") -> SimpleUploadedFile:
    """A real PDF encrypted with pypdf; with ``user_password=""`` it opens without one (owner password only)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/pdf")


def empty_pdf(name="empty.pdf") -> SimpleUploadedFile:
    """A well-formed PDF with no page at all."""
    from pypdf import PdfWriter

    buf = io.BytesIO()
    PdfWriter().write(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/pdf")


def image_bytes(fmt="PNG", size=(40, 30), color=(30, 120, 200)) -> bytes:
    buf = io.BytesIO()
    # noise-free but not flat, so a JPEG has a real entropy-coded body to cut
    image = Image.linear_gradient("L").resize(size).convert("RGB") if fmt == "JPEG" else Image.new("RGB", size, color)
    image.save(buf, format=fmt)
    return buf.getvalue()


def real_png(name="photo.png", size=(40, 30)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", size), content_type="image/png")


def real_jpeg(name="photo.jpg", size=(400, 300)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", size), content_type="image/jpeg")


def truncated_jpeg(name="photo.jpg", size=(400, 300)) -> SimpleUploadedFile:
    """A JPEG cut off half-way: its header opens (and ``verify()`` passes), the pixels do not decode."""
    body = image_bytes("JPEG", size)
    return SimpleUploadedFile(name, body[: len(body) // 2], content_type="image/jpeg")


def bomb_png(name="bomb.png", width=30_000, height=30_000) -> SimpleUploadedFile:
    """A few hundred bytes whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""
    body = bytearray(image_bytes("PNG", (8, 8)))
    ihdr = struct.pack(">II", width, height) + bytes(body[24:29])  # width, height, then depth/colour/… as they were
    body[16:29] = ihdr
    body[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return SimpleUploadedFile(name, bytes(body), content_type="image/png")

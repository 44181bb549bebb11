"""Issue 15: an upload is opened by the library for its type (pypdf, Pillow) before it is accepted."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from repairnet.uploads import image_check, validate_document, validate_photo
from tests.uploads import (
    bomb_png,
    empty_pdf,
    encrypted_pdf,
    fake_pdf,
    real_jpeg,
    real_pdf,
    real_png,
    truncated_jpeg,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _refused(check, upload) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(upload)
    return caught.value


def test_real_pdf_png_and_jpeg_are_accepted_and_left_readable_from_the_start():
    for upload in (real_pdf(), real_png("scan.png"), real_jpeg("scan.jpeg")):
        validate_document(upload)
        assert upload.tell() == 0 and upload.read(4) in (b"%PDF", b"\x89PNG", b"\xff\xd8\xff\xe0")
    validate_photo(real_png())
    validate_photo(real_jpeg("IMG_0001.JPG"))


def test_pdf_magic_number_with_garbage_is_refused():
    error = _refused(validate_document, fake_pdf())
    assert error.code == "file_content" and error.messages == ["The file's content is not a valid PDF file."]


def test_text_named_pdf_is_refused():
    upload = SimpleUploadedFile("licence.pdf", "营业执照".encode(), content_type="application/pdf")
    assert _refused(validate_document, upload).code == "file_content"


def test_pdf_needing_a_password_is_refused_but_an_owner_password_only_is_fine():
    assert _refused(validate_document, encrypted_pdf()).code == "pdf_encrypted"
    validate_document(encrypted_pdf(user_password=""))


def test_pdf_without_pages_is_refused():
    error = _refused(validate_document, empty_pdf())
    assert error.code == "pdf_empty" and error.messages == ["The PDF has no pages."]


def test_truncated_jpeg_is_refused_though_its_header_opens():
    from PIL import Image

    upload = truncated_jpeg()
    with Image.open(upload) as image:  # the header is fine: only decoding every pixel finds the cut
        image.verify()
    upload.seek(0)
    for check in (validate_photo, validate_document):
        error = _refused(check, truncated_jpeg())
        assert error.code == "image_truncated"
        assert error.messages == ["The image is damaged or incomplete; please take or export it again."]


def test_extension_must_name_the_real_type():
    assert _refused(validate_photo, real_png("photo.jpg")).messages == ["The file's content is not a valid JPEG file."]
    assert _refused(validate_photo, real_pdf("photo.png")).code == "file_content"
    assert _refused(validate_photo, real_pdf("photo.pdf")).code == "file_type"


def test_pixel_count_is_bounded_before_decoding(settings):
    settings.UPLOAD_MAX_PIXELS = 40 * 30 - 1
    error = _refused(validate_photo, real_png(size=(40, 30)))
    assert error.code == "image_too_many_pixels" and "40 × 30" in error.messages[0]
    settings.UPLOAD_MAX_PIXELS = 40 * 30
    validate_photo(real_png(size=(40, 30)))


def test_decompression_bomb_is_refused_from_its_header():
    bomb = bomb_png(width=9_000, height=9_000)  # 81 million pixels claimed by a file of a few hundred bytes
    assert bomb.size < 1000
    error = _refused(validate_photo, bomb)
    assert error.code == "image_too_many_pixels" and "9000 × 9000" in error.messages[0]
    # past Pillow's own limit it refuses to open at all: the same answer
    assert _refused(validate_photo, bomb_png(width=30_000, height=30_000)).code == "image_too_many_pixels"


def test_image_check_accepts_any_readable_format_when_not_told():
    assert image_check(real_png()) == "PNG"
    assert image_check(real_jpeg()) == "JPEG"
    assert _refused(image_check, fake_pdf("x.jpg")).code == "file_content"


def test_messages_are_in_chinese_by_default():
    with translation.override("zh-hans"):
        assert _refused(validate_document, fake_pdf()).messages == ["文件内容不是有效的 PDF 文件。"]
        assert _refused(validate_document, encrypted_pdf()).messages == [
            "该 PDF 文件设有密码保护，请上传无需密码即可打开的版本。"
        ]
        assert _refused(validate_photo, truncated_jpeg()).messages == ["图片已损坏或不完整，请重新拍摄或导出。"]

"""Photos: type by content, size and pixel caps, EXIF (GPS) stripped, orientation applied, resized."""

from __future__ import annotations

import io

import pytest
from civicapps_street_reports.photos import PhotoError, clean, heif_supported, redacted
from PIL import Image

from .images import (
    TEXT_AS_JPEG,
    bomb,
    heic_header,
    jpeg_markers,
    jpeg_with_metadata_segments,
    phone_jpeg,
    png,
    png_with_comment,
    webp,
)

LIMITS = {"max_bytes": 2_000_000, "max_pixels": 40_000_000, "max_side": 200}


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_phone_photo_is_rotated_resized_and_loses_its_exif_and_gps() -> None:
    original = phone_jpeg(400, 300, orientation=6)
    assert opened(original).getexif().get_ifd(0x8825)  # the test file really has a GPS position
    photo = clean(original, "IMG_0001.jpg", **LIMITS)
    image = opened(photo.data)
    assert image.format == "JPEG"
    assert (image.width, image.height) == (150, 200)  # turned upright (portrait), then fitted into 200 px
    assert (photo.width, photo.height) == (150, 200)
    assert not image.getexif()  # no EXIF at all: no GPS, no camera, no orientation left to re-apply
    assert b"Exif" not in photo.data[:200]
    assert b"PhoneMaker" not in photo.data
    # orientation 6 = rotate 90° clockwise: the blue band on the left is now along the top
    r, g, b = image.getpixel((75, 5))
    assert b > 200 and r < 60
    assert max(opened(photo.thumbnail).size) <= 250
    assert len(photo.sha256) == 64


@pytest.mark.parametrize("original", [jpeg_with_metadata_segments(), png_with_comment(), phone_jpeg()])
def test_no_metadata_segment_survives_not_even_a_comment(original: bytes) -> None:
    """Only what a decoder needs is written back: JFIF's APP0, tables, frame and scan; no COM, no APP1-15."""
    photo = clean(original, "x.jpg", **LIMITS)
    for data in (photo.data, photo.thumbnail):
        assert b"SECRET" not in data
        markers = jpeg_markers(data)
        assert set(markers) <= {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}, [hex(m) for m in markers]


def test_png_with_transparency_and_webp_become_jpeg() -> None:
    for data in (png(), webp()):
        photo = clean(data, "x", **LIMITS)
        assert opened(photo.data).format == "JPEG" and photo.content_type == "image/jpeg"


def test_a_text_file_renamed_jpg_is_refused_by_its_content() -> None:
    with pytest.raises(PhotoError, match="pothole.jpg is not a photo we can read; choose a JPEG, PNG or WebP image"):
        clean(TEXT_AS_JPEG, "pothole.jpg", **LIMITS)


def test_an_oversized_file_is_refused_before_it_is_read() -> None:
    with pytest.raises(PhotoError, match=r"big.jpg is 2\.9 MB; photos must be 2 MB or smaller"):
        clean(b"\xff\xd8" + b"0" * 3_000_000, "big.jpg", **LIMITS)


def test_a_decompression_bomb_is_refused_without_decoding_it() -> None:
    data = bomb()
    assert len(data) < 100_000  # tiny on disk...
    with pytest.raises(PhotoError, match="bomb.png is .*too large to process; choose a smaller photo"):
        clean(data, "bomb.png", **LIMITS)


def test_heic_is_refused_clearly_unless_pillow_heif_is_installed() -> None:
    if heif_supported():
        pytest.skip("pillow-heif is installed: HEIC photos are accepted")
    with pytest.raises(
        PhotoError, match="IMG_1234.HEIC is a HEIC photo, which this service cannot read.*Most Compatible"
    ):
        clean(heic_header(), "IMG_1234.HEIC", **LIMITS)


def test_a_truncated_photo_is_refused_as_damaged() -> None:
    with pytest.raises(PhotoError, match="broken.jpg seems to be damaged"):
        clean(phone_jpeg()[:600], "broken.jpg", **LIMITS)


def test_redaction_keeps_the_size_and_blacks_everything_out() -> None:
    photo = clean(phone_jpeg(), "x.jpg", **LIMITS)
    image = opened(redacted(photo.data))
    assert image.size == (photo.width, photo.height)
    assert image.getextrema() == ((0, 0), (0, 0), (0, 0)) or max(band[1] for band in image.getextrema()) < 10

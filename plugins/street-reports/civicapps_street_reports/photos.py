"""Residents' photos, made safe to publish: read by content, bounded, rotated, resized, re-encoded.

A phone photo carries the GPS position of where it was taken (often the resident's home) in its
EXIF data; re-encoding from pixels keeps nothing of the original file but the picture, so no EXIF,
no GPS, and no payload hidden in a crafted file survives. The type is decided by Pillow reading the
content, never by the file name or the browser's claim, and the pixel count is checked before any
pixel is decoded, so a small file that expands to gigabytes (a decompression bomb) is refused cheaply.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from civicapps import gettext

ACCEPTED = ("JPEG", "PNG", "WEBP", "MPO", "HEIF")
THUMBNAIL_SIDE = 250
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")


class PhotoError(ValueError):
    """A photo we will not take, with a message for the resident saying what to do instead."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    content_type: str = "image/jpeg"


def heif_supported() -> bool:
    """Whether HEIC/HEIF (iPhone) photos can be read: only with the optional pillow-heif installed."""
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        return False
    return True


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def clean(data: bytes, filename: str, *, max_bytes: int, max_pixels: int, max_side: int) -> CleanPhoto:
    """The photo as a fresh JPEG no larger than ``max_side`` pixels, upright, with no metadata.

    Raises :class:`PhotoError` naming ``filename`` for anything else: too large, not an image, an
    unsupported type, too many pixels, or a damaged file.
    """
    name = filename or gettext("the photo")
    if len(data) > max_bytes:
        raise PhotoError(
            gettext(
                "%(name)s is %(size)s MB; photos must be %(limit)s MB or smaller",
                name=name,
                size=f"{len(data) / 1_048_576:.1f}",
                limit=f"{max_bytes / 1_048_576:.0f}",
            )
        )
    if not data:
        raise PhotoError(gettext("%(name)s is empty; choose the photo again", name=name))
    if _is_heif(data):
        if not heif_supported():
            raise PhotoError(
                gettext(
                    "%(name)s is a HEIC photo, which this service cannot read. Choose a JPEG or PNG instead "
                    "(on an iPhone: Settings, Camera, Formats, Most Compatible)",
                    name=name,
                )
            )
        from pillow_heif import register_heif_opener

        register_heif_opener()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.init()
            image = Image.open(io.BytesIO(data), formats=[f for f in ACCEPTED if f in Image.OPEN])
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoError(
                    gettext(
                        "%(name)s is %(width)s × %(height)s pixels, too large to process; "
                        "choose a smaller photo, or take a screenshot of it",
                        name=name,
                        width=width,
                        height=height,
                    )
                )
            image.load()
    except PhotoError:
        raise
    except UnidentifiedImageError:
        raise PhotoError(
            gettext("%(name)s is not a photo we can read; choose a JPEG, PNG or WebP image", name=name)
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(gettext("%(name)s is too large to process; choose a smaller photo", name=name)) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoError(
            gettext("%(name)s seems to be damaged (%(problem)s); choose the photo again", name=name, problem=exc)
        ) from None
    return _encoded(image, max_side)


def _encoded(image: Image.Image, max_side: int) -> CleanPhoto:
    image = ImageOps.exif_transpose(image)  # apply the camera's orientation to the pixels
    image = _rgb(image)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    data = _jpeg(image, 85)
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return CleanPhoto(data, _jpeg(small, 80), image.width, image.height, hashlib.sha256(data).hexdigest())


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """Only the pixels: Pillow writes a comment (COM) from ``image.info`` however the image was made (a
    JPEG's COM, a PNG's "comment" text), so the info goes; no exif=, icc_profile= or xmp= is passed, so
    nothing but JFIF's APP0 is written."""
    image.info.clear()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def redacted(data: bytes) -> bytes:
    """The photo blacked out, keeping its size: for staff who must hide a face or a number plate
    without losing that a photo was there."""
    image = Image.open(io.BytesIO(data))
    return _jpeg(Image.new("RGB", image.size, "black"), 60)

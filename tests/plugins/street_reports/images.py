"""Real image files made with Pillow for the photo tests: phone-like JPEGs with GPS and orientation,
PNGs with transparency, a decompression bomb, and a text file pretending to be a JPEG."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def phone_jpeg(width: int = 400, height: int = 300, orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: sideways pixels plus EXIF orientation and GPS position."""
    image = Image.new("RGB", (width, height), "red")
    image.paste(Image.new("RGB", (width // 4, height), "blue"), (0, 0))  # a blue band on the left edge
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (54.0, 9.0, 36.0), 3: "W", 4: (4.0, 28.0, 48.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 64, height: int = 48, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (0, 128, 0, 0) if mode == "RGBA" else "green").save(out, "PNG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), "yellow").save(out, "WEBP")
    return out.getvalue()


def bomb(side: int = 12_000) -> bytes:
    """A tiny PNG that decodes to side × side pixels (144 million by default)."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def heic_header() -> bytes:
    """The start of an iPhone HEIC file (the ISO BMFF 'ftyp' box with the heic brand)."""
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200


TEXT_AS_JPEG = b"Dear council,\nThis is not a photo, just a text file renamed to .jpg.\n"

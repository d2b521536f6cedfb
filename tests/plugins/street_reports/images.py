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


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg_with_metadata_segments() -> bytes:
    """A JPEG carrying a comment (COM), XMP (APP1), an ICC profile (APP2), Photoshop IPTC (APP13) and
    a maker's APP15 segment, each with a secret in it, inserted right after the start marker."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, "JPEG")
    data = out.getvalue()
    segments = (
        _segment(0xFE, b"SECRETCOMMENT by the camera owner")
        + _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>SECRETXMP</x:xmpmeta>")
        + _segment(0xE2, b"ICC_PROFILE\x00\x01\x01SECRETICC")
        + _segment(0xED, b"Photoshop 3.0\x008BIMSECRETIPTC")
        + _segment(0xEF, b"SECRETAPP15")
    )
    return data[:2] + segments + data[2:]


def png_with_comment() -> bytes:
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("comment", "SECRETPNGCOMMENT")
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, "PNG", pnginfo=text)
    return out.getvalue()


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of every segment before the image data (SOS), in order."""
    markers, at = [], 2
    while at < len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: compressed data follows
            break
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return markers

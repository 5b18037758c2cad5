"""Image files made for the upload tests: real PNG/JPEG bytes, one with GPS data in its EXIF."""

import io

from PIL import Image

GPS_IFD = 0x8825


def png_with_gps(*, size=(1800, 1000), colour=(30, 120, 200)) -> bytes:
    """A PNG carrying camera and GPS EXIF, as a phone screenshot tool can leave them."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG", exif=exif)
    return buffer.getvalue()


def png(*, size=(1200, 700), colour=(200, 60, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def image_bomb() -> bytes:
    """A tiny file that declares 20,000 × 20,000 pixels (400 million): decoding it would take
    gigabytes of memory."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    return buffer.getvalue()


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><script>alert(document.cookie)</script></head><body>Hi</body></html>"
)
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'

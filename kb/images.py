"""Uploaded images checked and re-encoded, without Django: what an editor drops into an article
becomes a few clean files (no EXIF, GPS or camera data) in several widths and formats.

The checks read the file's content, never its name: an HTML page renamed `.png` is not an image, an
SVG (a document that can carry script) is refused, and a "decompression bomb" (a small file that
declares a huge pixel count) is refused from its header, before any pixel is decoded."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError, features

# Pillow format name -> (extension, content type) of the formats accepted as uploads.
ACCEPTED = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
OUTPUT = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "AVIF": ("avif", "image/avif"),
}
CONTENT_TYPES = {ext: content_type for ext, content_type in OUTPUT.values()}

_SVG = re.compile(rb"<svg[\s>]", re.IGNORECASE)
_HTML = re.compile(rb"<(!doctype\s+html|html|head|body|script)[\s>]", re.IGNORECASE)


class ImageRefused(ValueError):
    """Why an upload is not accepted: a `code` (too_large, svg, html, not_image, bomb, damaged) and
    the figures a message needs; the caller words it in the editor's language."""

    def __init__(self, code: str, **params) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Rendition:
    format: str  # AVIF, WEBP, PNG or JPEG
    width: int
    height: int
    data: bytes

    @property
    def extension(self) -> str:
        return OUTPUT[self.format][0]

    @property
    def content_type(self) -> str:
        return OUTPUT[self.format][1]

    @property
    def name(self) -> str:
        """A content-hashed file name: a new file is a new name, so it can be cached for ever."""
        return f"{hashlib.sha256(self.data).hexdigest()[:24]}-{self.width}w.{self.extension}"


@dataclass(frozen=True)
class Processed:
    original_format: str  # the upload's real format, read from its content
    width: int
    height: int
    fallback_format: str  # the format every browser gets (PNG or JPEG)
    renditions: tuple[Rendition, ...]
    digest: str  # SHA-256 of the uploaded bytes


def modern_formats() -> tuple[str, ...]:
    """The modern formats this Pillow can write, best first."""
    return tuple(name for name, feature in (("AVIF", "avif"), ("WEBP", "webp")) if features.check(feature))


def sniff(data: bytes) -> str | None:
    """What a file that is not a raster image looks like it is ("svg", "html"), from its content."""
    head = data[:2048].lstrip()
    if _SVG.search(head):
        return "svg"
    if _HTML.search(head):
        return "html"
    return None


def open_checked(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """The upload opened as a Pillow image, after every check; ImageRefused otherwise."""
    if len(data) > max_bytes:
        raise ImageRefused("too_large", size=len(data), limit=max_bytes)
    if not data:
        raise ImageRefused("not_image")
    kind = sniff(data)
    if kind is not None:
        raise ImageRefused(kind)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; ours is the one that counts.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED))
    except Image.DecompressionBombError:
        raise ImageRefused("bomb", pixels=0, limit=max_pixels) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRefused("not_image") from None
    width, height = image.size
    if width * height > max_pixels or width <= 0 or height <= 0:
        raise ImageRefused("bomb", pixels=width * height, limit=max_pixels, width=width, height=height)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Image.DecompressionBombError:
        raise ImageRefused(
            "bomb", pixels=width * height, limit=max_pixels, width=width, height=height
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise ImageRefused("damaged") from None
    return image


def _clean(image: Image.Image) -> Image.Image:
    """The pixels only: turned upright as the camera said, in a mode every encoder takes, with no
    metadata left (EXIF, GPS, XMP, comments) except the colour profile."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    pixels = image.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    if image.info.get("icc_profile"):
        clean.info["icc_profile"] = image.info["icc_profile"]
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    options: dict = {"exif": b""}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    if fmt == "JPEG":
        options.update(quality=84, optimize=True, progressive=True)
    elif fmt == "PNG":
        options.update(optimize=True)
    elif fmt == "WEBP":
        options.update(quality=82, method=4)
    elif fmt == "AVIF":
        options.update(quality=60, speed=8)
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def widths_for(width: int, widths: tuple[int, ...]) -> tuple[int, ...]:
    """The widths to make of an image `width` pixels wide: the configured ones below it, and its own."""
    return tuple(sorted({w for w in widths if w < width} | {width}))


# The last few results, by upload digest and limits: the same file uploaded again (a second language
# tab, the demo loaded again by each test) is not re-encoded, which takes seconds for AVIF.
_RECENT: dict[tuple, Processed] = {}
_RECENT_SIZE = 16


def process(data: bytes, *, max_bytes: int, max_pixels: int, widths: tuple[int, ...]) -> Processed:
    """Check an upload and re-encode it: each width in each modern format plus PNG (or JPEG for a
    photograph uploaded as JPEG), without metadata."""
    key = (hashlib.sha256(data).hexdigest(), max_bytes, max_pixels, tuple(widths))
    if key in _RECENT:
        return _RECENT[key]
    processed = _process(data, max_bytes=max_bytes, max_pixels=max_pixels, widths=widths)
    if len(_RECENT) >= _RECENT_SIZE:
        _RECENT.pop(next(iter(_RECENT)))
    _RECENT[key] = processed
    return processed


def _process(data: bytes, *, max_bytes: int, max_pixels: int, widths: tuple[int, ...]) -> Processed:
    image = open_checked(data, max_bytes=max_bytes, max_pixels=max_pixels)
    original_format = image.format or "PNG"
    clean = _clean(image)
    fallback = "JPEG" if original_format == "JPEG" and clean.mode == "RGB" else "PNG"
    formats = (*modern_formats(), fallback)
    renditions = []
    for width in widths_for(clean.width, widths):
        height = max(1, round(clean.height * width / clean.width))
        resized = clean if width == clean.width else clean.resize((width, height), Image.Resampling.LANCZOS)
        resized.info = dict(clean.info)
        for fmt in formats:
            renditions.append(Rendition(fmt, width, height, _encode(resized, fmt)))
    return Processed(
        original_format=original_format,
        width=clean.width,
        height=clean.height,
        fallback_format=fallback,
        renditions=tuple(renditions),
        digest=hashlib.sha256(data).hexdigest(),
    )


# --- Attachments --------------------------------------------------------------------------------

# Extension -> (content type, check of the first bytes or None for text).
ATTACHMENT_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "csv": ("text/csv", None),
    "txt": ("text/plain", None),
    "zip": ("application/zip", b"PK\x03\x04"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", b"PK\x03\x04"),
    "odt": ("application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", b"PK\x03\x04"),
}


def attachment_type(name: str, data: bytes, *, max_bytes: int) -> str:
    """The content type of an accepted attachment, checked against its content; ImageRefused
    (codes too_large, file_type, file_content) otherwise."""
    if len(data) > max_bytes:
        raise ImageRefused("too_large", size=len(data), limit=max_bytes)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ImageRefused("file_type", extension=extension, allowed=", ".join(sorted(ATTACHMENT_TYPES)))
    content_type, magic = ATTACHMENT_TYPES[extension]
    if magic is not None:
        if not data.startswith(magic):
            raise ImageRefused("file_content", extension=extension)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ImageRefused("file_content", extension=extension) from None
        if "\x00" in text or sniff(data) is not None:
            raise ImageRefused("file_content", extension=extension)
    return content_type

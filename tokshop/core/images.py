"""Checks for uploaded pictures, shared by every service that stores one."""

from django.core.files.uploadedfile import UploadedFile

from .errors import ApplicationError

FORMAT_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/gif": "GIF"}


def image_validate(upload: UploadedFile, *, field: str, max_bytes: int, content_types: set[str]) -> str:
    """Refuse a file that is too large, not a picture, or of another format; returns its MIME type.

    The declared content type is the client's word; the bytes decide. A decompression bomb is
    refused like any other file that is not a picture.
    """
    from PIL import Image, UnidentifiedImageError

    allowed = ", ".join(FORMAT_NAMES[kind] for kind in FORMAT_NAMES if kind in content_types)
    allowed = " or ".join(allowed.rsplit(", ", 1))
    if upload.size is not None and upload.size > max_bytes:
        raise ApplicationError(
            "The picture is too large.", fields={field: [f"Use a picture under {max_bytes // (1024 * 1024)} MB."]}
        )
    try:
        with Image.open(upload) as image:
            image.verify()
            kind = Image.MIME.get(image.format or "")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise ApplicationError("That file is not a picture.", fields={field: [f"Upload a {allowed}."]}) from exc
    upload.seek(0)
    if kind not in content_types:
        raise ApplicationError("That picture format is not supported.", fields={field: [f"Upload a {allowed}."]})
    return kind

"""Read uploaded files from a request into bytes, refusing oversized bodies before reading them."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from grading.services import SubmissionRejected


def read_uploads(files: list[UploadedFile]) -> dict[str, bytes]:
    if not files:
        raise SubmissionRejected("Choose a file to submit.")
    limit = settings.GRADIENT_MAX_UPLOAD_BYTES
    if sum(f.size or 0 for f in files) > limit:
        raise SubmissionRejected(f"The upload is larger than {limit // 1024} KiB.")
    uploads: dict[str, bytes] = {}
    for upload in files:
        name = upload.name or "upload"
        if name in uploads:
            raise SubmissionRejected(f"The file {name} was chosen twice.")
        uploads[name] = upload.read(limit + 1)
    return uploads

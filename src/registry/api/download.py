"""GET download_url: the bundle (ETag, Range, If-None-Match) or parts as a zip stream.

No before_request authentication here: the download service counts the token use
together with the audit event, in one transaction.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request

from registry.api.common import artifact_id, credential, registry, served_to
from registry.domain.errors import RangeNotSatisfiable
from registry.services.download import parse_parts

bp = Blueprint("download", __name__)


def _disposition(name: str, suffix: str) -> str:
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\/' else "_" for c in name
    )
    return (
        f'attachment; filename="{ascii_name}{suffix}.zip"; '
        f"filename*=UTF-8''{quote(name + suffix, safe='')}.zip"
    )


def _not_modified(etag: str) -> bool:
    return request.if_none_match.contains(etag) or request.if_none_match.star_tag


@bp.get("/download/<id_>")
def download(id_: str) -> Response:
    token = credential()
    ident = artifact_id(id_)
    service = registry().downloads
    parts = parse_parts(request.args.getlist("part"))
    if parts:
        served = service.parts(ident, parts, token, _not_modified)
        served_to(served.caller)
        chosen = served.download
        suffix = "-" + "-".join(p.value for p in chosen.parts)
        headers = {
            "ETag": f'"{chosen.etag}"',
            "Content-Disposition": _disposition(chosen.name, suffix),
            "Cache-Control": "private, no-cache",
            "Accept-Ranges": "none",
        }
        if served.not_modified:
            return Response(status=304, headers=headers)
        return Response(
            service.stream_parts(chosen),
            mimetype="application/zip",
            headers=headers,
            direct_passthrough=True,
        )

    whole = service.bundle(ident, token, _not_modified)
    served_to(whole.caller)
    bundle = whole.download
    headers = {
        "ETag": f'"{bundle.sha256}"',
        "Accept-Ranges": "bytes",
        "Content-Disposition": _disposition(bundle.name, ""),
        "Cache-Control": "private, no-cache",
    }
    if whole.not_modified:
        return Response(status=304, headers=headers)
    start, end, status = 0, bundle.size - 1, 200
    rng = request.range
    if_range = request.headers.get("If-Range")
    if rng is not None and (if_range is None or if_range.strip() == f'"{bundle.sha256}"'):
        span = rng.range_for_length(bundle.size)
        if span is None and len(rng.ranges) == 1:
            raise RangeNotSatisfiable(
                f"the range {request.headers.get('Range')} lies outside the "
                f"{bundle.size}-byte bundle",
                size=bundle.size,
            )
        if span is not None:  # several ranges at once are answered with the whole body
            start, end, status = span[0], span[1] - 1, 206
            headers["Content-Range"] = f"bytes {start}-{end}/{bundle.size}"
    headers["Content-Length"] = str(end - start + 1)
    body = service.read(bundle.sha256, start, end) if bundle.size else iter([b""])
    return Response(
        body, status=status, mimetype="application/zip", headers=headers, direct_passthrough=True
    )

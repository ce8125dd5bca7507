"""GET download_url: the bundle (ETag, Range, If-None-Match) or parts as a zip stream.

The token use is not counted by the access hook: the download service counts it
together with the audit event, in one transaction, and checks the `download`
permission, the artifact's visibility and its monitor program (`authorize`).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request

from registry.api.access import requires
from registry.api.common import artifact_id, credential, registry, served_to
from registry.api.ranges import not_modified, ranged_response, transfer_use
from registry.domain.models import Credential, Permission
from registry.observability.requests import note_artifact
from registry.services.download import Use, parse_parts

bp = Blueprint("download", __name__)


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\/' else "_" for c in name)


def _disposition(name: str, suffix: str) -> str:
    ascii_name = _ascii(name)
    return (
        f'attachment; filename="{ascii_name}{suffix}.zip"; '
        f"filename*=UTF-8''{quote(name + suffix, safe='')}.zip"
    )


@bp.get("/download/<id_>")
@requires(
    Permission.DOWNLOAD,
    also="a sensitive model's monitor program must allow it",
    charged_by_view=True,
)
def download(id_: str) -> Response:
    return send_download(artifact_id(id_), credential())


def send_download(ident: str, token: Credential) -> Response:
    """The bundle, or the parts named by ?part=, for the caller behind `token` (an API
    token, or the token row of a browser session: the artifact page's download)."""
    service = registry().downloads
    parts = parse_parts(request.args.getlist("part"))
    if parts:
        # Parts are served whole (no ranges): a request reads them all, or (HEAD) none.
        use = Use.LOOK if request.method == "HEAD" else Use.START
        served = service.parts(ident, parts, token, not_modified, use=use)
        served_to(served.caller)
        chosen = served.download
        note_artifact(chosen.artifact_id, chosen.type)
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

    whole = service.bundle(ident, token, not_modified, use=transfer_use())
    served_to(whole.caller)
    bundle = whole.download
    note_artifact(bundle.artifact_id, bundle.type)
    headers = {
        "ETag": f'"{bundle.sha256}"',
        "Content-Disposition": _disposition(bundle.name, ""),
        "Cache-Control": "private, no-cache",
    }
    if whole.not_modified:
        return Response(status=304, headers={**headers, "Accept-Ranges": "bytes"})
    if request.method != "HEAD":
        # Checked, counted and audited above: the bytes may come from S3 itself.
        location = service.redirect_url(bundle, f"{_ascii(bundle.name)}.zip")
        if location is not None:
            return Response(
                status=302,
                headers={
                    "Location": location,
                    "ETag": headers["ETag"],
                    "Cache-Control": "no-store",
                },
            )
    return ranged_response(
        bundle.size,
        bundle.sha256,
        "bundle",
        lambda start, end: service.read(bundle.sha256, start, end),
        headers=headers,
        mimetype="application/zip",
        open_file=lambda start: service.open_local(bundle.sha256, start),
    )

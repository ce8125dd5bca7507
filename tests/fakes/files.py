"""A plain static file server for the catalogue's ``FakeDownload`` entries.

Serves ``GET``/``HEAD`` with Content-Length, Content-Type, ETag, Last-Modified, single ``Range``
(206/416) and, for entries with a ``filename``, ``Content-Disposition: attachment``.
Faults: ``server-error`` answers 500, ``not-found`` answers 404 (as does any unknown path).
``/redirect-to?url=...`` answers 302 to that URL, as a file host behind a CDN would;
``/status/<code>`` answers that status.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from .catalog import Catalog
from .records import FAULT_NOT_FOUND, FAULT_SERVER_ERROR
from .wsgi import FakeApp, file_response


class FilesApp(FakeApp):
    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def handle(self, request: Request, segments: list[str]) -> Response:
        if segments == ["redirect-to"] and "url" in request.args:
            return Response("", status=302, headers={"Location": request.args["url"]})
        if len(segments) == 2 and segments[0] == "status" and segments[1].isdigit():
            return Response(f"status {segments[1]}\n", status=int(segments[1]))
        entry = self.catalog.download("/" + "/".join(segments))
        if entry is None or entry.fault == FAULT_NOT_FOUND:
            return Response("Not Found\n", status=404, content_type="text/plain")
        if entry.fault == FAULT_SERVER_ERROR:
            return Response("Internal Server Error\n", status=500, content_type="text/plain")
        if request.method not in {"GET", "HEAD"}:
            return Response("Method Not Allowed\n", status=405, headers={"Allow": "GET, HEAD"})
        file = entry.file
        headers = {
            "Content-Type": entry.content_type,
            "ETag": f'"{file.sha256[:32]}"',
            "Last-Modified": "Thu, 01 Jun 2023 00:00:00 GMT",
        }
        if entry.filename:
            headers["Content-Disposition"] = f'attachment; filename="{entry.filename}"'
        return file_response(request, file, headers)

"""A fake Kaggle API speaking the REST protocol of the `kaggle` client (api/v1).

Served: ``GET /api/v1/datasets/view/{owner}/{slug}`` (the dataset, camelCase fields),
``/datasets/list/{owner}/{slug}`` (its files, two per page with ``nextPageToken``) and
``/datasets/download/{owner}/{slug}`` (a 302 to an unauthenticated storage URL that
serves the zip, as Kaggle redirects to signed storage URLs). Every API request needs
HTTP basic auth with ``KAGGLE_USERNAME``/``KAGGLE_KEY`` (401 otherwise); unknown
datasets answer 404.
"""

from __future__ import annotations

import base64
from typing import Any

from werkzeug.wrappers import Request, Response

from .catalog import Catalog
from .kaggle_content import KAGGLE_KEY, KAGGLE_USERNAME, FakeKaggleDataset
from .wsgi import FakeApp, file_response, json_response

_PAGE = 2


class KaggleApp(FakeApp):
    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def handle(self, request: Request, segments: list[str]) -> Response:
        if segments[:1] == ["storage"] and len(segments) == 4:
            found = self.catalog.kaggle_dataset(f"{segments[1]}/{segments[2]}")
            if found is None or segments[3] != f"{found.version}.zip":
                return Response("NoSuchKey", status=404)
            return file_response(request, found.archive, {"Content-Type": "application/zip"})
        if segments[:3] != ["api", "v1", "datasets"] or len(segments) != 6:
            return json_response({"code": 404, "message": "Not found"}, 404)
        if not self._authenticated(request):
            return json_response({"code": 401, "message": "Unauthenticated"}, 401)
        action, ref = segments[3], f"{segments[4]}/{segments[5]}"
        dataset = self.catalog.kaggle_dataset(ref)
        if dataset is None:
            return json_response({"code": 404, "message": "Not found"}, 404)
        if action == "view":
            return json_response(self.view(dataset))
        if action == "list":
            return self._list(request, dataset)
        if action == "download":
            version = request.args.get("datasetVersionNumber") or str(dataset.version)
            location = f"{request.host_url}storage/{ref}/{version}.zip"
            return Response(status=302, headers={"Location": location})
        return json_response({"code": 404, "message": "Not found"}, 404)

    @staticmethod
    def _authenticated(request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, key = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return (user, key) == (KAGGLE_USERNAME, KAGGLE_KEY)

    @staticmethod
    def view(d: FakeKaggleDataset) -> dict[str, Any]:
        return {
            "id": abs(hash(d.ref)) % 10**7,
            "ref": d.ref,
            "subtitle": d.subtitle,
            "creatorName": d.owner,
            "totalBytes": sum(f.size for f in d.files),
            "url": f"https://www.kaggle.com/datasets/{d.ref}",
            "lastUpdated": "2023-06-01T00:00:00Z",
            "downloadCount": 1200,
            "isPrivate": False,
            "licenseName": d.license_name,
            "description": d.description,
            "ownerName": d.owner,
            "ownerRef": d.owner,
            "title": d.title,
            "voteCount": 42,
            "currentVersionNumber": d.version,
            "usabilityRating": 0.88,
            "tags": [{"ref": t, "name": t} for t in d.tags],
        }

    @staticmethod
    def _list(request: Request, d: FakeKaggleDataset) -> Response:
        start = int(request.args.get("pageToken") or 0)
        page = d.files[start : start + _PAGE]
        body: dict[str, Any] = {
            "datasetFiles": [
                {
                    "ref": f.path,
                    "datasetRef": d.ref,
                    "name": f.path,
                    "totalBytes": f.size,
                    "creationDate": "2023-06-01T00:00:00Z",
                }
                for f in page
            ]
        }
        if start + _PAGE < len(d.files):
            body["nextPageToken"] = str(start + _PAGE)
        return json_response(body)

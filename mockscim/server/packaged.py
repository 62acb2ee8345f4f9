"""A blueprint whose templates and static files are package resources, not files on disk.

Flask reads a blueprint's templates and static files from folders next to its module. Installed
from a wheel they are folders; imported from the wheel itself (``zipimport``), or from any
loader that is not a file system, they are not, and the dashboard answered 500. Both are read
through ``importlib.resources`` here (Jinja's ``PackageLoader`` does it for templates).
"""

from __future__ import annotations

import mimetypes
from functools import cache
from importlib import resources
from typing import Any

from flask import Blueprint
from flask import Response
from flask import request
from jinja2 import PackageLoader
from werkzeug.exceptions import NotFound


class PackagedBlueprint(Blueprint):
    """A Blueprint serving ``templates/`` and ``static/`` of ``package`` as package resources."""

    def __init__(self, name: str, import_name: str, *, package: str, **options: Any) -> None:
        super().__init__(name, import_name, template_folder="templates", static_folder="static", **options)
        self.package = package
        self.jinja_loader = PackageLoader(package, "templates")  # cached_property: settable

    def send_static_file(self, filename: str) -> Response:
        """A file of the package's ``static/`` folder (only the files it lists: no paths)."""
        data = _static_files(self.package).get(filename)
        if data is None:
            raise NotFound()
        response = Response(data, mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        response.add_etag()
        return response.make_conditional(request)


@cache
def _static_files(package: str) -> dict[str, bytes]:
    """Every file of the package's ``static/`` folder by name, read once."""
    folder = resources.files(package).joinpath("static")
    return {item.name: item.read_bytes() for item in folder.iterdir() if item.is_file()}

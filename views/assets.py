"""Static files under fingerprinted URLs, cached for a year.

A URL is /static/<digest>/<path>, where the digest covers the whole unit the file belongs to (our
own `app/` files, or one vendored library). Files that a stylesheet reaches by relative URL
(DSFR's fonts and icons) therefore carry the same digest as the stylesheet and are cached too.
"""

from __future__ import annotations

import hashlib
import mimetypes
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app

bp = Blueprint("assets", __name__)
YEAR = 365 * 24 * 3600


def unit_of(filename: str) -> str:
    parts = filename.split("/")
    return "/".join(parts[:2]) if parts[0] == "vendor" else parts[0]


@cache
def unit_digest(folder: Path, unit: str) -> str:
    digest = hashlib.sha256()
    for path in sorted((folder / unit).rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_folder() -> Path:
    return Path(current_app.root_path) / "static"


def asset_url(filename: str) -> str:
    return f"/static/{unit_digest(static_folder(), unit_of(filename))}/{filename}"


def served(folder: Path, filename: str) -> Path | None:
    """The file of `folder` named `filename`, if it may be served; None for a hidden file, one
    outside the folder, or a name no file system holds (too long, a NUL: any address may be)."""
    if any(part.startswith(".") for part in filename.split("/")):
        return None
    try:
        path = (folder / filename).resolve()
        return path if path.is_relative_to(folder) and path.is_file() else None
    except (OSError, ValueError):
        return None


@bp.get("/static/<digest>/<path:filename>")
def file(digest: str, filename: str):
    folder = static_folder()
    path = served(folder, filename)
    if path is None:
        abort(404)
    response = Response(path.read_bytes(), mimetype=mimetypes.guess_type(path.name)[0])
    if digest == unit_digest(folder, unit_of(filename)):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        # An old page asking for a previous version: serve today's file, but do not keep it.
        response.headers["Cache-Control"] = "no-cache"
    return response

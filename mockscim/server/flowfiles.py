"""Which flow files ``POST /__admin/verify`` may open: the built-in library, by id, and files under
``--flows-dir``, by relative path. Nothing else.

The admin API is reachable with the SCIM credentials Okta holds, so a flow name is untrusted:
an absolute path, a ``..`` segment, a symbolic link that leads out of its folder, a device
(``/dev/zero``) or a file over MAX_FLOW_BYTES is refused with the same answer as a name that
does not exist, so the answer reveals nothing about the server's files.
"""

from __future__ import annotations

import re
from pathlib import Path
from pathlib import PurePosixPath

from mockscim.errors import InvalidValue
from mockscim.library import library_root

MAX_FLOW_BYTES = 256 * 1024  # the largest library flow is about 20 KiB
MAX_FLOW_FILES = 200  # a folder expands to at most this many flows (the library has about 40)
FLOW_FILES = (".yaml", ".yml")  # a file named in full; a folder expands to its *.scenario.yaml
_NAME = re.compile(r"[A-Za-z0-9._/-]{1,200}")


def locate(name: str, flows_dir: Path | None) -> tuple[Path, list[Path]]:
    """The folder a flow name is read under and the flow files it names; InvalidValue otherwise."""
    for root in (library_root(), flows_dir):
        if root is not None and (files := _files(name, root)):
            return root, files
    raise InvalidValue(_unknown(name, flows_dir))


def _files(name: str, root: Path) -> list[Path]:
    """The flow files ``name`` names under ``root`` (a file, with or without its suffix, or a
    folder of them), or [] when it names nothing there that may be read."""
    from mockscim.verify.flows import SUFFIX  # lazily: verify loads the runner and requests (7 MiB)

    if not _NAME.fullmatch(name) or ".." in PurePosixPath(name).parts or name.startswith("/"):
        return []
    base = root.resolve()
    for candidate in (root / (name + SUFFIX), root / name):
        path = candidate.resolve()
        if not path.is_relative_to(base):
            continue  # a symbolic link out of the folder
        if path.is_dir():
            found = sorted(p for p in path.rglob("*" + SUFFIX) if _readable(p, base))
            return found[:MAX_FLOW_FILES]
        if path.name.endswith(FLOW_FILES) and _readable(path, base):
            return [path]
    return []


def _readable(path: Path, base: Path) -> bool:
    """A regular file under ``base`` (after links), no larger than MAX_FLOW_BYTES."""
    resolved = path.resolve()
    return resolved.is_relative_to(base) and resolved.is_file() and resolved.stat().st_size <= MAX_FLOW_BYTES


def _unknown(name: str, flows_dir: Path | None) -> str:
    """The one answer for every name that cannot be read, whether or not such a file exists."""
    from mockscim.verify.flows import library_ids

    shown = name[:120]
    close = [i for i in library_ids() if shown.rsplit("/", 1)[-1] and shown.rsplit("/", 1)[-1] in i][:8]
    where = "a library id (GET /__admin/dashboard/api/library-flows lists them)"
    if flows_dir is not None:
        where += " or a YAML file (or folder of *.scenario.yaml) under --flows-dir, by relative path"
    else:
        where += "; start mockscim with --flows-dir FOLDER to verify your own flow files"
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"no flow {shown!r}: a flow is {where} (files up to {MAX_FLOW_BYTES // 1024} KiB){hint}"

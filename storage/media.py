"""Where stored photos' bytes live: files under the media directory, or rows in the database.

A photo is kept under a relative path named by its content (``ab/ab12….jpg``, the sha256 of
the bytes), so one path always holds the same bytes: a put that finds its path already there
is done. ``DirStore`` keeps files (``LINLI_MEDIA_STORE=dir``, one machine or a shared disk);
``DatabaseStore`` keeps ``media_blob`` rows (``LINLI_MEDIA_STORE=database``: every node reads
them, every database backup has them). Photos are at most 10 MB, so a photo is read whole.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from storage.core.models import MediaBlob, Photo, PhotoStatus

DIR = "dir"
DATABASE = "database"
KINDS = (DIR, DATABASE)
# What a stored photo's path looks like: two hex digits, then a hex name with an extension.
_PATH = re.compile(r"[0-9a-f]{2}/[0-9A-Za-z_-]{1,128}\.[a-z0-9]{1,5}")


class BadMediaPath(ValueError):
    """Not a path the store hands out (``..``, absolute, or another shape)."""


def checked(path: str) -> str:
    if not _PATH.fullmatch(path):
        raise BadMediaPath(f"not a media path: {path!r}")
    return path


class MediaStore(Protocol):
    """The bytes of stored photos, by relative path. ``put`` refuses a path of another shape
    (``BadMediaPath``); reading or deleting one finds nothing."""

    kind: str

    async def put(self, path: str, content: bytes, content_type: str) -> None: ...

    async def get(self, path: str) -> bytes | None: ...

    async def delete(self, path: str) -> None: ...

    async def exists(self, path: str) -> bool: ...


class DirStore:
    """Files under ``root``, each written to a temporary name first and renamed into place:
    a reader never sees half a photo."""

    kind = DIR

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _file(self, path: str) -> Path:
        return self.root / checked(path)

    def _known(self, path: str) -> Path | None:
        return self.root / path if _PATH.fullmatch(path) else None

    async def put(self, path: str, content: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._file(path), content)

    @staticmethod
    def _write(target: Path, content: bytes) -> None:
        if target.exists():
            return  # named by content: it holds these bytes already
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        partial.write_bytes(content)
        os.replace(partial, target)  # atomic

    async def get(self, path: str) -> bytes | None:
        file = self._known(path)
        try:
            return None if file is None else await asyncio.to_thread(file.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    async def delete(self, path: str) -> None:
        if (file := self._known(path)) is not None:
            await asyncio.to_thread(file.unlink, True)

    async def exists(self, path: str) -> bool:
        file = self._known(path)
        return file is not None and await asyncio.to_thread(file.is_file)


class DatabaseStore:
    """``media_blob`` rows (PostgreSQL bytea, SQLite blob), shared by every node."""

    kind = DATABASE

    async def put(self, path: str, content: bytes, content_type: str) -> None:
        # ON CONFLICT DO NOTHING (PostgreSQL) / INSERT OR IGNORE (SQLite): two nodes storing
        # the same photo at once both succeed, one row stays.
        await MediaBlob.bulk_create(
            [MediaBlob(path=checked(path), content=content, content_type=content_type,
                       size=len(content))], ignore_conflicts=True)

    async def get(self, path: str) -> bytes | None:
        found = await MediaBlob.filter(path=path).values_list("content", flat=True)
        return bytes(found[0]) if found else None

    async def delete(self, path: str) -> None:
        await MediaBlob.filter(path=path).delete()

    async def exists(self, path: str) -> bool:
        return await MediaBlob.filter(path=path).exists()


def open_store(kind: str, root: Path) -> MediaStore:
    """The store ``LINLI_MEDIA_STORE`` names; ``root`` is the media directory (``dir``)."""
    if kind == DIR:
        return DirStore(root)
    if kind == DATABASE:
        return DatabaseStore()
    raise ValueError(f"unknown media store {kind!r} (dir or database)")


@dataclass
class Moved:
    """What ``migrate`` did, per stored photo (by path)."""

    copied: int = 0  # written to the target
    present: int = 0  # the target had it already (an earlier run, or both stores in use)
    missing: int = 0  # in neither store: the photo's bytes are lost
    removed: int = 0  # deleted from the source afterwards (``move``)
    lost: list[str] = field(default_factory=list)  # the missing paths (the first 20)


async def migrate(source: MediaStore, target: MediaStore, *, move: bool = False) -> Moved:
    """Copy every stored photo's bytes from ``source`` to ``target``, one photo in memory at
    a time; idempotent (a photo the target has is left alone). ``move``: then delete the
    source's copy, once the target is known to hold it."""
    done = Moved()
    rows = await Photo.filter(status=PhotoStatus.STORED).exclude(path="").order_by(
        "path").values_list("path", "content_type")
    for path, content_type in dict(rows).items():
        if await target.exists(path):
            done.present += 1
        elif (content := await source.get(path)) is not None:
            await target.put(path, content, content_type)
            done.copied += 1
        else:
            done.missing += 1
            if len(done.lost) < 20:
                done.lost.append(path)
            continue
        if move and await target.exists(path) and await source.exists(path):
            await source.delete(path)
            done.removed += 1
    return done

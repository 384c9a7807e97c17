"""Attachments and documents on the local disk, under content-addressed names."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path


class DiskFileStore:
    def __init__(self, root: str | Path) -> None:
        self._root = Path(root)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise KeyError(key)
        return self._root / key[:2] / key

    async def put(self, data: bytes, content_type: str, filename: str) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                tmp = path.with_suffix(".part")
                tmp.write_bytes(data)
                tmp.replace(path)

        await asyncio.to_thread(write)
        return key

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

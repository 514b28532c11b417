"""Serve chosen files from ``node_modules`` (installed by ``npm ci``, never committed).

A whole npm package would drag thousands of source files into collectstatic, so
``settings.GIRREPO_NPM_ASSETS`` lists exactly which files are served, and where:
``{"vendor/ol/ol.js": "ol/dist/ol.js", ...}``.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


class NpmAssetFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.root = Path(settings.NODE_MODULES)
        self.assets: dict[str, str] = dict(settings.GIRREPO_NPM_ASSETS)

    def check(self, **kwargs):
        missing = [src for src in self.assets.values() if not (self.root / src).is_file()]
        if missing:
            return [
                Error(
                    f"npm assets missing from {self.root}: {', '.join(missing)}",
                    hint="Run `make setup` (it runs `npm ci`).",
                    id="girrepo.E001",
                )
            ]
        return []

    def find(self, path, find_all=False, **kwargs):
        src = self.assets.get(path)
        if src is None or not (self.root / src).is_file():
            return [] if find_all else None
        match = str(self.root / src)
        return [match] if find_all else match

    def list(self, ignore_patterns):
        storage = FileSystemStorage(location=str(self.root))
        for url_path, src in self.assets.items():
            if (self.root / src).is_file():
                # collectstatic copies storage.path(src) to url_path via prefix tricks;
                # a per-file storage keeps the target name exact.
                yield url_path, _SingleFileStorage(storage, src, url_path)


class _SingleFileStorage(FileSystemStorage):
    """Presents one node_modules file under its served name."""

    def __init__(self, base: FileSystemStorage, src: str, url_path: str):
        super().__init__(location=base.location)
        self._src = src
        self._url_path = url_path

    def path(self, name):
        return super().path(self._src if name == self._url_path else name)

    def open(self, name, mode="rb"):
        return super().open(self._src if name == self._url_path else name, mode)

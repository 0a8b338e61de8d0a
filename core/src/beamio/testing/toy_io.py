"""The reader and writer of the TOY test format (see :mod:`beamio.testing.toy`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import (
    Dataset,
    File,
    FormatReader,
    FormatWriter,
    FrameStack,
    Head,
    Header,
    LazyMapping,
    NotThisFormat,
    Source,
    Target,
)
from ..errors import FormatError
from .toy import MAGIC

__all__ = ["ToyReader", "ToyWriter"]


def _header_line(text: str, path: str, line: int) -> tuple[str, str]:
    key, sep, value = text[1:].partition("=")
    if not sep or not key.strip():
        raise FormatError(f"expected '# key = value', found {text!r}", path, line=line)
    return key.strip(), value.strip()


class ToyReader(FormatReader):
    """Reads TOY files: headers and column names at open, rows and frames on access."""

    @classmethod
    def sniff(cls, head: Head) -> None:
        """TOY files start with the magic line."""
        if not head.data.startswith(MAGIC):
            raise NotThisFormat("no 'TOY 1' first line", head.path)

    def read(self, source: Source) -> File:
        """Index the datasets: their headers, column names and frame offsets."""
        handle = source.open()
        if handle.readline() != MAGIC:
            raise NotThisFormat("no 'TOY 1' first line", source.path)
        file_header: list[tuple[str, str]] = []
        datasets: list[dict[str, Any]] = []
        offset, number = handle.tell(), 1
        for raw in handle:
            number += 1
            try:
                text = raw.decode("utf-8").rstrip("\n")
            except UnicodeDecodeError:
                raise FormatError("the line is not UTF-8 text", source.path, line=number) from None
            here = offset
            offset += len(raw)
            if text.startswith("@"):
                key, _, title = text[1:].strip().partition(" ")
                if not key:
                    raise FormatError("a dataset line '@' without a key", source.path, line=number)
                datasets.append({"key": key, "title": title, "header": [], "names": [], "rows": [],
                                 "shape": None, "frames": []})  # fmt: skip
            elif text.startswith("#"):
                pair = _header_line(text, source.path, number)
                (datasets[-1]["header"] if datasets else file_header).append(pair)
            elif not datasets:
                raise FormatError(f"data before any '@' dataset line: {text!r}", source.path, line=number)
            elif text.startswith(":"):
                datasets[-1]["names"] = text[1:].split()
            elif text.startswith("%"):
                try:
                    shape = tuple(int(n) for n in text[1:].split())
                except ValueError:
                    raise FormatError(f"bad frame shape {text!r}", source.path, line=number) from None
                if not shape or any(n <= 0 or n > 1 << 20 for n in shape):
                    raise FormatError(f"bad frame shape {text!r}", source.path, line=number)
                datasets[-1]["shape"] = shape
            elif text.startswith("="):
                datasets[-1]["frames"].append((here, number))
            elif text.strip():
                datasets[-1]["rows"].append((number, text))
        keys = [d["key"] for d in datasets]
        if len(set(keys)) != len(keys):
            raise FormatError(f"two datasets share a key: {keys}", source.path)
        return source.file(
            [self._dataset(source, d) for d in datasets], header=Header(file_header, origin=source.path)
        )

    def _dataset(self, source: Source, info: dict[str, Any]) -> Dataset:
        log = source.diagnostics.child(scan=info["key"])
        names: list[str] = info["names"]

        def columns() -> dict[str, np.ndarray]:
            good = []
            for line, text in info["rows"]:
                tokens = text.split()
                if len(tokens) != len(names):
                    log.report(f"{len(tokens)} values for {len(names)} columns; row skipped", line=line)
                    continue
                try:
                    good.append([float(t) for t in tokens])
                except ValueError:
                    log.report(f"a value is not a number in {text!r}; row skipped", line=line)
            table = np.array(good, dtype=np.float64).reshape(len(good), len(names))
            return {name: table[:, i] for i, name in enumerate(names)}

        frames = None
        if info["frames"]:
            if info["shape"] is None:
                raise FormatError("frames without a '%' shape line", source.path, scan=info["key"])
            frames = self._frames(source, info["frames"], info["shape"], info["key"])
        return Dataset(
            info["key"],
            info["title"],
            Header(info["header"], origin=f"{source.path}, dataset {info['key']}"),
            columns=LazyMapping(columns, names, guard=source.guard),
            frames=frames,
            diagnostics=log,
        )

    @staticmethod
    def _frames(
        source: Source, places: list[tuple[int, int]], shape: tuple[int, ...], key: str
    ) -> FrameStack:
        handle = source.open()
        size = int(np.prod(shape))

        def read(index: tuple[Any, ...]) -> np.ndarray:
            which, rest = index[0], index[1:]
            picked = [which] if isinstance(which, int) else range(which.start, which.stop, which.step)
            out = []
            for i in picked:
                offset, line = places[i]
                handle.seek(offset)
                try:
                    values = np.array(handle.readline()[1:].split(), dtype=np.float64)
                except ValueError:
                    raise FormatError(
                        "a frame value is not a number", source.path, line=line, scan=key
                    ) from None
                if values.size != size:
                    raise FormatError(
                        f"frame has {values.size} values, its shape {shape} needs {size}",
                        source.path, line=line, scan=key, frame=i,
                    )  # fmt: skip
                out.append(values.reshape(shape)[rest])
            return out[0] if isinstance(which, int) else np.stack(out)

        return FrameStack((len(places), *shape), np.float64, read, guard=source.guard, name="toy_detector")


class ToyWriter(FormatWriter):
    """Writes TOY files; numbers as the shortest text that reads back exactly."""

    def write(self, file: File, target: Target) -> None:
        """Write every dataset: header, columns, frames one at a time."""
        with open(target.temp, "w", encoding="utf-8") as out:
            out.write(MAGIC.decode())
            for key, value in file.header.items():
                out.write(f"# {key} = {value}\n")
            for ds in file.datasets:
                out.write(f"@ {ds.key} {ds.title}".rstrip() + "\n")
                for entry in ds.header.entries:
                    out.write(f"# {entry.key} = {entry.value}\n")
                if ds.positioners:
                    self.lossy(f"dataset {ds.key}: TOY has no positioners; {len(ds.positioners)} left out")
                if ds.spectra:
                    self.lossy(f"dataset {ds.key}: TOY has no spectra; {list(ds.spectra)} left out")
                if ds.columns:
                    out.write(": " + " ".join(ds.columns) + "\n")
                    table = np.column_stack([np.asarray(v, dtype=np.float64) for v in ds.columns.values()])
                    for row in table:
                        out.write(" ".join(repr(float(v)) for v in row) + "\n")
                if ds.frames is not None and len(ds.frames):
                    out.write("% " + " ".join(str(n) for n in ds.frames.shape[1:]) + "\n")
                    for frame in ds.frames:
                        values = np.asarray(frame.data, dtype=np.float64).ravel()
                        out.write("= " + " ".join(repr(float(v)) for v in values) + "\n")

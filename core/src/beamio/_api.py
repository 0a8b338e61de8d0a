"""open, write, convert, read: what programs call, on the default or a scoped registry."""

from __future__ import annotations

import errno
import functools
import os
import stat
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ._address import address_owner, open_address, run_reader
from ._dataset import Dataset
from ._detect import DetectionReport, ask, install_hints, rank
from ._diagnostics import Diagnostics
from ._distributed import Opened, stamp_origins, through_cluster
from ._file import File
from ._mixed import formats_of, open_mixed
from ._profiles import Profile
from ._registry import FormatEntry, Registry, default_registry, plugin_output
from ._series import expand_series, is_pattern
from ._source import Head, Source, atomic_target, read_head
from ._url import parse_url
from .errors import (
    BeamioError,
    FormatError,
    NoFormatMatched,
    NotThisFormat,
    OptionError,
    PluginFailed,
    PluginWarning,
    TargetExistsError,
    UnsupportedOperation,
)

__all__ = ["convert", "detect", "open", "read", "write"]


def _options(profile: Profile | None, table: str, name: str, given: Mapping[str, Any]) -> dict[str, Any]:
    defaults = getattr(profile, table).get(name, {}) if profile is not None else {}
    return {**defaults, **given}


#: What a path may be besides a file, in words.
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}  # fmt: skip


def _check_path(path: str) -> None:
    # os.stat's own error says why: no such file, a loop of symbolic links, a folder not searchable.
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "Is a directory (beamio opens files)", path)
    if not stat.S_ISREG(mode):  # reading a FIFO or a terminal waits for a writer, perhaps forever
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise OSError(
            errno.EINVAL, f"Is {kind}, not a file (beamio opens files: reading it could wait forever)", path
        )


def _locate(path: str | list[str]) -> tuple[list[str], Head]:
    """The file (or the files of a glob, a %-pattern or a list, in order) and the head of the first."""
    paths: list[str] = []
    for name in [path] if isinstance(path, str) else path:
        if not os.path.exists(name) and is_pattern(name):
            found = expand_series(name)
            if not found:
                raise FileNotFoundError(2, "No file matches the pattern", name)
            paths.extend(found)
        else:
            _check_path(name)
            paths.append(name)
    return paths, read_head(paths[0])


def _given(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> tuple[str, str | list[str]]:
    """What ``open`` was given: the name it goes by (a list's first file) and the file or the files."""
    if isinstance(path, (str, os.PathLike)):
        file = parse_url(path).file
        return file, file
    files = [os.fspath(p) for p in path]
    if not files:
        raise ValueError("an empty list of files: give one file or more")
    return files[0], files


def detect(
    path: str | os.PathLike[str], *, profile: str | Profile | None = None, registry: Registry | None = None
) -> DetectionReport:
    """Rank the installed formats for ``path`` without opening it (``beamio info --explain``)."""
    registry = registry or default_registry()
    path = parse_url(path).file
    active = registry.profile(profile)
    _, head = _locate(path)
    report = _report(registry, path, head)
    report.hints = install_hints(registry.entries_in_use(), head)
    preferred = active.preferred_formats(path) if active else []
    report.candidates = [c for _, c in rank(registry.entries_in_use(), head, preferred)]
    return report


def _report(registry: Registry, path: str, head: Any) -> DetectionReport:
    return DetectionReport(
        path,
        head.compression,
        broken_plugins=[p for p in registry.plugins() if p.status == "broken"],
    )


def open(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    format: str | None = None,
    *,
    profile: str | Profile | None = None,
    registry: Registry | None = None,
    **options: Any,
) -> File:
    """Open any file an installed plugin reads, and return its :class:`~beamio.File`.

    Parameters
    ----------
    path
        The file (``scan.spec``); an address inside it (``scan.spec::/1.1``) opens the file.
        A glob (``frames_*.edf``), a %-pattern (``img_%05d.cbf``) or a list of files opens
        a series as one: the frames in the order given (a glob's in numeric order), of one
        format or of several (each file detected on its own).
        An address whose scheme a plugin owns (``sps://fourc/SCAN_D``) goes to that plugin.
    format
        A format name: use that reader, no guessing; its refusal is an error.
    profile
        A profile to activate (else ``BEAMIO_PROFILE`` or the config file's).
    registry
        A scoped registry (else the process-wide one).
    **options
        Reader options, validated before the file is read (``strict=True``…).

    Raises
    ------
    NoFormatMatched
        No installed format reads the file; ``error.report`` says who refused and why.
    FormatError
        The file is of the detected format but broken.
    PluginFailed
        A plugin's reader raised something other than a FormatError.
    """
    registry = registry or default_registry()
    path, files = _given(path)
    active = registry.profile(profile)
    owner = address_owner(registry, path, format)
    if owner is not None:  # not a file: an address its plugin opens (sps://fourc/SCAN_D)
        settings = _options(active, "reader_options", owner.spec.name, options)
        with plugin_output(owner.plugin.label, f"reading {path}"):
            file, report = open_address(registry, owner, path, settings)
        return _finish(registry, file, owner, active, report)
    if format is not None:
        entry = registry.entry(format)
        reader = registry.reader_class(entry)(
            entry.spec, **_options(active, "reader_options", format, options)
        )
        paths, head = _locate(files)
        report = _report(registry, path, head)
        file = _read(registry, entry, reader, path, head, paths)
        report.chosen = entry.spec.name
        return _finish(registry, file, entry, active, report)

    paths, head = _locate(files)
    report = _report(registry, path, head)
    preferred = active.preferred_formats(path) if active else []
    for entry, candidate in rank(registry.entries_in_use(), head, preferred):
        report.candidates.append(candidate)
        refused = ask(registry, entry, head)
        if refused is not None:
            candidate.outcome = refused
            continue
        cls = registry.reader_class(entry)
        heads: dict[str, Head] = {}
        mixed = formats_of(
            registry, paths, entry, active.preferred_formats if active else lambda _: [], heads
        )
        if mixed is not None:  # files of several formats: each format's files read by its reader
            file = open_mixed(path, paths, mixed, functools.partial(_read_as, registry, active, options))
            file.opened = Opened.of(paths, None, options)  # opened again, each file is detected again
            candidate.outcome = "accepted"
            report.chosen = file.format
            return _finish(registry, file, entry, active, report)
        if len(paths) > 1 and not entry.spec.capabilities.series:
            candidate.outcome = "refused: it does not open file series"
            continue
        reader = cls(entry.spec, **_options(active, "reader_options", entry.spec.name, options))
        try:
            file = _read(registry, entry, reader, path, head, paths, heads=heads)
        except NotThisFormat as refusal:
            candidate.outcome = f"refused: {refusal.message}"
            continue
        candidate.outcome = "accepted"
        report.chosen = entry.spec.name
        return _finish(registry, file, entry, active, report)
    report.hints = install_hints(registry.entries_in_use(), head)
    raise NoFormatMatched(_no_match_message(report, head), path, report=report)


def _no_match_message(report: DetectionReport, head: Head) -> str:
    empty = not head.data and head.size == 0
    lines = ["no installed format reads this file" + (": it is empty (0 bytes)" if empty else "")]
    tried = [c for c in report.candidates if c.outcome != "not tried"]
    if tried:
        lines.append("asked: " + "; ".join(f"{c.format} ({c.outcome})" for c in tried))
    elif not report.candidates:
        lines.append("no installed plugin reads files (see `beamio formats`)")
    lines.extend(report.hints)
    lines.extend(f"plugin {p.label} failed to load: {p.error}" for p in report.broken_plugins)
    return "\n  ".join(lines)


def _read(
    registry: Registry,
    entry: FormatEntry,
    reader: Any,
    path: str,
    head: Any,
    paths: list[str],
    diagnostics: Diagnostics | None = None,
    *,
    heads: dict[str, Head] | None = None,
) -> File:
    if len(paths) > 1 and not entry.spec.capabilities.series:
        raise UnsupportedOperation(f"{path}: the {entry.spec.name} format does not open file series")
    if len(paths) == 1:  # a pattern that names one file: the reader reads that file
        path = paths[0]
    source = Source(path, head, entry.spec.name, reader.strict, paths=paths, heads=heads or {})
    if diagnostics is not None:  # a part of a mixed series: what it forgives goes to the series' log too
        diagnostics.strict = reader.strict
        source.diagnostics = diagnostics
    with plugin_output(entry.plugin.label, f"reading {path}"):
        file = run_reader(entry, reader, source)
    if file.opened is None and os.path.isfile(paths[0]):
        file.opened = Opened.of(paths, entry.spec.name, reader.settings)
    return file


def _read_as(
    registry: Registry,
    active: Profile | None,
    options: Mapping[str, Any],
    entry: FormatEntry,
    paths: list[str],
    diagnostics: Diagnostics,
) -> File:
    """Read ``paths`` (a file, or a series of one format) with ``entry``'s reader: part of a mixed series."""
    reader = registry.reader_class(entry)(
        entry.spec, **_options(active, "reader_options", entry.spec.name, options)
    )
    return _read(registry, entry, reader, paths[0], read_head(paths[0]), paths, diagnostics)


def _finish(
    registry: Registry, file: File, entry: FormatEntry, active: Profile | None, report: DetectionReport
) -> File:
    if active is not None and active.header_aliases:
        aliases = active.header_aliases
        file.header = file.header.with_aliases(aliases)

        def alias(ds: Dataset) -> None:
            ds.header = ds.header.with_aliases(aliases)

        file.each_dataset(alias)
    file.detection = report
    stamp_origins(file)
    for impl in registry.hook.beamio_read_completed.get_hookimpls():
        try:
            impl.function(file=file, format=entry.spec)
        except Exception as error:
            warnings.warn(
                f"plugin {impl.plugin_name}: beamio_read_completed raised {type(error).__name__}:"
                f" {error}; ignored",
                PluginWarning,
                stacklevel=3,
            )
    return file


def read(url: str | os.PathLike[str], **kwargs: Any) -> Any:
    """Read the array at ``file::/path[index]`` into numpy and close the file."""
    import numpy as np

    parsed = parse_url(url)
    if parsed.inner is None:
        raise ValueError(f"{url}: give a path inside the file, like {url}::/1.1/measurement/I0")
    with open(parsed.file, **kwargs) as file:
        node = file[parsed.inner]
        if isinstance(node, Dataset) or not hasattr(node, "shape"):
            raise ValueError(f"{url}: {parsed.inner} is a group, not an array")
        return node[parsed.index if parsed.index is not None else ...] if node.shape else np.asarray(node)


def _writer_entry(registry: Registry, target: str, format: str | None) -> FormatEntry:
    if format is not None:
        entry = registry.entry(format)
        if not entry.spec.capabilities.write:
            raise UnsupportedOperation(f"format {format!r} ({entry.plugin.label}) cannot write files")
        return entry
    name = os.path.basename(target).lower()
    matches = [
        e
        for e in registry.entries_in_use()
        if e.spec.capabilities.write and any(name.endswith(x) for x in e.spec.extensions)
    ]
    if not matches:
        writers = ", ".join(
            f"{e.spec.name} ({' '.join(e.spec.extensions)})"
            for e in registry.entries_in_use()
            if e.spec.capabilities.write
        )
        raise UnsupportedOperation(
            f"no installed format writes {os.path.basename(target)!r}; name one with format="
            f" (--to). Installed writers: {writers or 'none'}"
        )
    matches.sort(
        key=lambda e: (-max(len(x) for x in e.spec.extensions if name.endswith(x)), -e.spec.priority)
    )
    return matches[0]


def write(
    data: File | Dataset,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    overwrite: bool = False,
    profile: str | Profile | None = None,
    registry: Registry | None = None,
    notes: list[str] | None = None,
    **options: Any,
) -> Path:
    """Write a File or one Dataset to ``path`` atomically; the format from ``format`` or the extension.

    The writer writes a temporary file beside ``path``, renamed into place only
    when complete. An existing ``path`` is replaced only with ``overwrite=True``.
    ``notes``, a list, receives the lines a writer leaves for a closing report
    (the NeXus writer's ``link=`` says what it linked and what it copied).
    """
    registry = registry or default_registry()
    target, options = _split_target(path, options)
    active = registry.profile(profile)
    entry = _writer_entry(registry, target, format)
    writer = registry.writer_class(entry)(
        entry.spec, **_options(active, "writer_options", entry.spec.name, options)
    )
    appending = bool(writer.settings.get("append"))
    if appending and not entry.spec.capabilities.append:
        raise UnsupportedOperation(f"format {entry.spec.name!r} cannot append to a file")
    if os.path.exists(target) and not (overwrite or appending):
        raise TargetExistsError(_exists(target, entry))
    source = data if isinstance(data, File) else File("<memory>", [data])
    if _reads(source, target):
        raise TargetExistsError(f"{target} is a file being read; beamio never writes over its input")
    view = _adjusted(registry, source, entry, writer.settings)
    # Appending writes the old content and the new into a temporary file too, renamed into
    # place: a reader sees the file before or after, never half a scan.
    with atomic_target(target, overwrite=overwrite or appending) as destination:
        try:
            writer.write(view, destination)
        except (BeamioError, OSError, MemoryError, KeyboardInterrupt):
            raise
        except Exception as error:
            raise PluginFailed(
                f"{entry.plugin.label}: the {entry.spec.name} writer failed on {target}:"
                f" {type(error).__name__}: {error}"
            ) from error
    if notes is not None:
        notes.extend(destination.notes)
    return Path(target)


def _reads(source: File, target: str) -> bool:
    """Whether ``target`` exists and is one of the files ``source`` reads (a stat each, not three)."""
    try:
        found = os.stat(target)
    except OSError:
        return False
    for path in source.paths:
        try:
            if os.path.samestat(os.stat(path), found):
                return True
        except OSError:
            continue
    return False


def check_one_stack(file: File) -> None:
    """A file series converts to one stack: FormatError naming the first file whose frames differ."""
    if len(file.paths) < 2:
        return
    stacks = [ds.frames for ds in file.datasets if ds.frames is not None]
    first = stacks[0] if stacks else None
    for frames in stacks[1:]:
        assert first is not None
        if frames.shape[1:] != first.shape[1:] or frames.dtype != first.dtype:
            differs = frames.frame(0).source or file.path
            raise FormatError(
                f"its frames are {frames.shape[1:]} {frames.dtype}, those of the files before it"
                f" {first.shape[1:]} {first.dtype}: a series converts to one stack of one shape and dtype",
                differs,
            )


def _exists(target: str, entry: FormatEntry) -> str:
    """What to say when the target exists: how to replace it, and how to add to it if the format can."""
    add = ", or append=True (--append) to add to it" if entry.spec.capabilities.append else ""
    return f"{target} exists; pass overwrite=True (--overwrite) to replace it{add}"


def _split_target(path: str | os.PathLike[str], options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``out.h5::/scan_7`` → ``out.h5`` and the writer option ``group="/scan_7"``."""
    text = os.fspath(path)
    if "::" not in text:
        return text, options
    url = parse_url(text)
    if url.index is not None:
        raise OptionError(f"{text}: a write target names a group, not an index")
    if "group" in options and options["group"] != url.inner:
        raise OptionError(f"{text}: the group is given twice ({url.inner} and group={options['group']!r})")
    return url.file, {**options, "group": url.inner}


def _adjusted(registry: Registry, source: File, entry: FormatEntry, options: dict[str, Any]) -> File:
    impls = registry.hook.beamio_before_write.get_hookimpls()
    if not impls:
        return source

    def adjust(ds: Dataset) -> Dataset:
        copy = attrs.evolve(ds)
        for impl in impls:
            impl.function(dataset=copy, format=entry.spec, options=dict(options))
        return copy

    return File(
        source.path,
        [adjust(ds) for ds in source.datasets],
        header=source.header,
        format=source.format,
        diagnostics=source.diagnostics,
        guard=source.guard,
    )


def convert(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    format: str | None = None,
    *,
    overwrite: bool = False,
    read_format: str | None = None,
    read_options: Mapping[str, Any] | None = None,
    profile: str | Profile | None = None,
    registry: Registry | None = None,
    scheduler: Any = None,
    notes: list[str] | None = None,
    **options: Any,
) -> Path:
    """Open ``src`` and write it to ``dst`` through the common model.

    ``format`` names the output format (else the extension of ``dst`` decides);
    ``read_format`` and ``read_options`` go to the reader, other keywords to the
    writer. Both are checked before anything is read or written.

    ``scheduler`` (a ``dask.distributed.Client``, a scheduler's address, or
    ``"local"`` for a cluster on this machine) sends the reading to the Dask
    workers: one task per input file of a series, or per output entry. This process
    writes, so the result equals the serial conversion's. The workers must see the
    input files at the same paths. ``notes`` receives the writer's report (see :func:`write`).
    """
    registry = registry or default_registry()
    active = registry.profile(profile)
    dst, options = _split_target(dst, options)
    entry = _writer_entry(registry, dst, format)
    writer = registry.writer_class(entry)(
        entry.spec, **_options(active, "writer_options", entry.spec.name, options)
    )
    if os.path.exists(dst) and not (overwrite or writer.settings.get("append")):
        raise TargetExistsError(_exists(dst, entry))
    with open(src, read_format, profile=active, registry=registry, **dict(read_options or {})) as file:
        check_one_stack(file)
        source = through_cluster(file, scheduler)
        return write(
            source,
            dst,
            entry.spec.name,
            overwrite=overwrite,
            profile=active,
            registry=registry,
            notes=notes,
            **options,
        )

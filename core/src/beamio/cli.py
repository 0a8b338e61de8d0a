"""The ``beamio`` command: formats, info, convert.

Exit codes: 0 success, 1 a problem with a file (one clear message), 2 usage,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM). ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from . import __version__
from ._registry import Registry, default_registry
from ._source import COMMIT_CHECKS
from .errors import BeamioError, NoFormatMatched, OptionError

__all__ = ["main"]

_MAX_LISTED = 20


def _formats(args: argparse.Namespace, registry: Registry, out: TextIO) -> int:
    rows = [("format", "plugin", "status", "read", "write", "extensions")]
    for entry in registry.entries():
        caps = entry.spec.capabilities
        status = entry.status if entry.status == "ok" else f"replaced by {entry.replaced_by}"
        rows.append(
            (
                entry.spec.name,
                entry.plugin.label,
                status,
                "yes" if caps.read else "no",
                "yes" if caps.write else "no",
                " ".join(entry.spec.extensions),
            )
        )
    for plugin in registry.plugins():
        if plugin.status != "ok":
            rows.append(("-", plugin.label, plugin.status, "-", "-", plugin.error or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        out.write("  ".join(cells) + "  " + row[5] + "\n")
    if len(rows) == 1:
        out.write("no plugin installed: pip install beamio-spec beamio-edf beamio-nexus beamio-mca\n")
    return 0


def _profiles(args: argparse.Namespace, registry: Registry, out: TextIO) -> int:
    offered = registry.profiles()
    active = registry.profile(args.profile)
    if not offered:
        out.write("no installed plugin offers a profile\n")
    for name, profile in sorted(offered.items()):
        mark = "*" if active is not None and active.name == name else " "
        out.write(f"{mark} {name}  {profile.description}\n")
        for preference in profile.preferences:
            out.write(f"      {preference.pattern} → {preference.format}\n")
        for fmt, options in profile.reader_options.items():
            out.write(f"      {fmt} reader: {options}\n")
        for fmt, options in profile.writer_options.items():
            out.write(f"      {fmt} writer: {options}\n")
    if active is not None:
        out.write(f"active: {active.name}\n")
    return 0


def _describe_node(node: Any, out: TextIO) -> None:
    import numpy as np

    from ._tree import Group

    if isinstance(node, Group):
        out.write(f"group {node.name or '/'} {node.attrs}\n")
        for name in node:
            out.write(f"  {name}\n")
        return
    out.write(f"array shape={node.shape} dtype={node.dtype} {getattr(node, 'attrs', {})}\n")
    if int(np.prod(node.shape)) <= 20:
        out.write(f"  {np.asarray(node)!r}\n")


def _info(args: argparse.Namespace, registry: Registry, out: TextIO) -> int:
    from ._address import scheme_of
    from ._api import open as open_
    from ._url import parse_url

    url = parse_url(args.file)
    address = scheme_of(url.file) is not None  # sps://fourc: no file to detect
    if args.explain and not address:
        from ._api import detect

        out.write(str(detect(url.file, registry=registry, profile=args.profile)) + "\n")
    with open_(url.file, args.format, registry=registry, profile=args.profile) as file:
        if args.explain and address:
            out.write(f"{file.detection}\n")
        if url.inner is not None:
            node = file[url.inner]
            if url.index is not None and hasattr(node, "shape"):
                import numpy as np

                with np.printoptions(threshold=200):
                    out.write(f"{np.asarray(node[url.index])!r}\n")
                return 0
            _describe_node(node if not hasattr(node, "tree") else node.tree, out)
            return 0
        accepted = next((c for c in file.detection.candidates if c.outcome == "accepted"), None)
        why = f" ({'; '.join(accepted.reasons)})" if accepted and accepted.reasons else ""
        out.write(f"{file.path}: {file.format}{why}\n")
        if address:  # a live source's header says what it publishes (sps: each session and array)
            out.writelines(f"  {entry.key}  {entry.value}\n" for entry in file.header.entries)
        elif len(file.header):
            out.write(f"file header: {len(file.header.entries)} entries\n")
        out.write(f"{len(file)} dataset{'s' if len(file) != 1 else ''}\n")
        datasets = file.datasets
        shown = datasets if args.all else datasets[:_MAX_LISTED]
        for ds in shown:
            out.write(f"  {ds.key}  {ds.title}\n")
            if ds.columns:
                names = list(ds.columns)
                more = " …" if len(names) > 12 else ""
                out.write(f"      columns ({len(names)}): {', '.join(names[:12])}{more}\n")
            if ds.frames is not None:
                out.write(f"      frames: {ds.frames.shape} {ds.frames.dtype}\n")
            for name, spectrum in ds.spectra.items():
                out.write(f"      spectrum {name}: {spectrum.counts.shape} {spectrum.counts.dtype}\n")
            if ds.positioners:
                out.write(f"      positioners: {len(ds.positioners)}\n")
        if len(shown) < len(datasets):
            out.write(f"  … {len(datasets) - len(shown)} more (--all lists them)\n")
        diagnostics = list(file.diagnostics)
        if diagnostics:
            out.write(f"diagnostics ({len(diagnostics)}):\n")
            for diagnostic in diagnostics[:_MAX_LISTED]:
                out.write(f"  {diagnostic}\n")
    return 0


#: ``--chunks`` spellings → the writers' ``chunks`` option (a shape is written ``AxBxC``).
_CHUNKS = {"image": "frame", "frame": "frame", "spectrum": "spectrum", "balanced": "balanced"}


def _chunks(text: str) -> str | tuple[int, ...]:
    """``--chunks image|spectrum|balanced|AxBxC`` → the writer option ``chunks``."""
    if text in _CHUNKS:
        return _CHUNKS[text]
    sizes = text.lower().split("x")
    if all(size.isdigit() and int(size) > 0 for size in sizes):
        return tuple(int(size) for size in sizes)
    raise argparse.ArgumentTypeError(
        f"{text!r}: expected image (a frame per chunk), spectrum, balanced, or a chunk shape like 1x512x512"
    )


def _writer_options(args: argparse.Namespace) -> dict[str, Any]:
    """The writer options: ``--append``, ``--compression``, ``--chunks`` and ``-o KEY=VALUE``.

    ``-o`` values are read as Python literals when they are one (4, (1, 64, 64)).
    """
    import ast

    flags = {
        key: getattr(args, key)
        for key in ("compression", "chunks", "link", "relative")
        if getattr(args, key) not in (None, False)
    }
    options: dict[str, Any] = {"append": True, **flags} if args.append else dict(flags)
    for item in args.option or []:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise OptionError(f"-o {item!r}: expected KEY=VALUE, like -o compression=gzip")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        if key in flags and value != flags[key]:
            raise OptionError(f"-o {item!r} and --{key} say two different things: give one of them")
        options[key] = value
    return options


def _convert(args: argparse.Namespace, registry: Registry, out: TextIO) -> int:
    """Open, write through the model with a progress bar on a terminal, then say what happened."""
    import time

    from ._api import check_one_stack, write
    from ._api import open as open_
    from ._distributed import through_cluster
    from ._progress import array_bytes, watched

    began = time.perf_counter()
    options = _writer_options(args)
    notes: list[str] = []
    src = args.src[0] if len(args.src) == 1 else args.src  # several: a series, in the order given
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_(src, args.read_format, profile=args.profile, registry=registry) as file:
            check_one_stack(file)
            source = through_cluster(file, args.scheduler)
            total = frames = 0
            for i in range(len(file)):  # one pass over the Datasets before writing: sizes, frames
                ds = file[i]
                total += array_bytes(ds)
                frames += len(ds.frames) if ds.frames is not None else 0
            with _bar(total, quiet=args.quiet) as tick:
                target = write(
                    watched(source, tick) if tick else source,
                    args.dst,
                    args.to,
                    overwrite=args.overwrite,
                    profile=args.profile,
                    registry=registry,
                    notes=notes,
                    **options,
                )
            diagnostics = list(file.diagnostics)
            count = len(file)
            source_format = file.format
    if args.quiet:
        return 0
    elapsed = time.perf_counter() - began
    out.write(
        f"wrote {target}: {count} dataset{'s' * (count != 1)}"
        + (f", {frames} frame{'s' * (frames != 1)}" if frames else "")
        + f", {total / 1e6:.1f} MB of arrays from {_named(args.src)} ({source_format}) in {elapsed:.1f} s\n"
    )
    out.writelines(f"{note}\n" for note in notes)
    for warning in caught:
        out.write(f"warning: {warning.message}\n")
    shown = diagnostics if args.verbose else diagnostics[:_MAX_LISTED]
    if diagnostics:
        out.write(f"the source's diagnostics ({len(diagnostics)}, what a lenient read forgave):\n")
        out.writelines(f"  {d}\n" for d in shown)
        if len(shown) < len(diagnostics):
            out.write(f"  … {len(diagnostics) - len(shown)} more (--verbose lists them)\n")
    return 0


def _named(sources: list[str]) -> str:
    """The sources of a conversion as the report names them: the one, or the first and the last."""
    return sources[0] if len(sources) == 1 else f"{len(sources)} files ({sources[0]} … {sources[-1]})"


@contextlib.contextmanager
def _bar(total: int, *, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar of bytes on stderr when it is a terminal (None otherwise: no counting at all)."""
    if quiet or not total or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=False) as bar:
        yield bar.update


def _follow(args: argparse.Namespace, registry: Registry, out: TextIO) -> int:
    import time

    import numpy as np

    from ._api import open as open_

    with open_(args.file, args.format, registry=registry, profile=args.profile) as file:
        seen: dict[str, int] = {}
        labels: dict[str, list[str]] = {}

        def show(ds: Any, new_scan: bool) -> None:
            columns = ds.columns
            points = len(next(iter(columns.values()))) if len(columns) else 0
            # A live array (sps://) starts its scan again: fewer points, or other columns.
            if points < seen.get(ds.key, 0) or labels.get(ds.key, list(columns)) != list(columns):
                new_scan, seen[ds.key] = True, 0
            labels[ds.key] = list(columns)
            if new_scan:
                out.write(f"#S {ds.key}  {ds.title}\n#L " + "  ".join(columns) + "\n")
            table: Any = np.column_stack([np.asarray(v) for v in columns.values()]) if points else []
            for row in table[seen.get(ds.key, 0) :]:
                out.write(" ".join(repr(float(v)) for v in row) + "\n")
            seen[ds.key] = points
            out.flush()

        out.write(f"following {file.path} ({len(file)} scans so far; Ctrl-C stops)\n")
        if len(file):
            show(file[-1], True)
        while True:
            time.sleep(args.interval)
            last = file[-1] if len(file) else None
            new = file.refresh()
            if last is not None:
                show(last, False)
            for ds in new:
                show(ds, True)
            if args.once:
                return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="beamio", description="Open, inspect and convert synchrotron data files."
    )
    parser.add_argument("--version", action="version", version=f"beamio {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--profile", help="activate a facility profile (else BEAMIO_PROFILE)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("formats", help="list the installed formats and plugins")
    sub.add_parser("profiles", help="list the profiles installed plugins offer (* marks the active one)")
    info = sub.add_parser("info", help="which format a file is, and what it holds")
    info.add_argument("file", help="a file, or FILE::/path/inside")
    info.add_argument("--explain", action="store_true", help="print the detection report")
    info.add_argument("--format", help="read with this format, no guessing")
    info.add_argument("--all", action="store_true", help=f"list every dataset, not the first {_MAX_LISTED}")
    follow = sub.add_parser("follow", help="print new points and scans of a growing file until Ctrl-C")
    follow.add_argument("file")
    follow.add_argument("--format", help="read with this format, no guessing")
    follow.add_argument("--interval", type=float, default=1.0, help="seconds between looks (default 1)")
    follow.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    conv = sub.add_parser("convert", help="convert a file through the common model")
    conv.add_argument(
        "src",
        nargs="+",
        metavar="SRC",
        help="a file; a glob or %%-pattern ('frames_*.edf'), or several files: one stack, in that order",
    )
    conv.add_argument("dst", metavar="DST", help="the file to write (its extension names the format)")
    conv.add_argument("--to", help="output format (else from the extension of DST)")
    conv.add_argument("--from", dest="read_format", help="input format (else detected)")
    conv.add_argument("--overwrite", action="store_true", help="replace DST if it exists")
    conv.add_argument("--append", action="store_true", help="add to DST if it exists (SPEC, NeXus)")
    conv.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="read on a Dask cluster: a scheduler's address (tcp://host:8786), or 'local' for this machine",
    )
    loud = conv.add_mutually_exclusive_group()
    loud.add_argument("--quiet", action="store_true", help="no progress bar, no report (errors still)")
    loud.add_argument("--verbose", action="store_true", help="list every diagnostic of the source")
    conv.add_argument(
        "-o", "--option", action="append", metavar="KEY=VALUE", help="a writer option: -o chunks=spectrum"
    )
    conv.add_argument("--compression", metavar="NAME", help="compress arrays: gzip (NeXus also lz4, zstd …)")
    conv.add_argument(
        "--chunks",
        type=_chunks,
        metavar="LAYOUT",
        help="NeXus chunks: image (a frame per chunk, the default), spectrum, balanced, or a shape AxBxC",
    )
    conv.add_argument(
        "--link",
        action="store_const",
        const=True,
        help="NeXus: reference the EDF frames in place (HDF5 external storage), no copy;"
        " --link=auto copies the frames that cannot be (compressed) and links the rest",
    )
    # ``--link=auto``: a flag that may take a value, given only as ``--link=VALUE`` (an optional
    # value of ``--link`` would take the SRC that follows it); main() spells it --link-mode=VALUE.
    conv.add_argument("--link-mode", dest="link", help=argparse.SUPPRESS)
    conv.add_argument(
        "--relative",
        action="store_true",
        help="with --link: name the linked files relative to DST"
        " (plain HDF5 readers then need HDF5_EXTFILE_PREFIX='${ORIGIN}')",
    )
    return parser


def _link(text: str) -> bool | str:
    """``--link=auto`` (or yes/no) → the NeXus writer's ``link`` option."""
    words: dict[str, bool | str] = {"auto": "auto", "yes": True, "true": True, "no": False, "false": False}
    if text.lower() in words:
        return words[text.lower()]
    raise argparse.ArgumentTypeError(f"{text!r}: expected --link, or --link=auto")


_COMMANDS = {
    "formats": _formats,
    "profiles": _profiles,
    "info": _info,
    "follow": _follow,
    "convert": _convert,
}


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it stops as on Ctrl-C: temporary files removed."""


#: The stop a signal asked for, kept: raised where the program stands, it is lost when that is
#: a finalizer (a weakref callback, a __del__: Python prints "Exception ignored" and goes on).
_pending: list[type[KeyboardInterrupt]] = []


def _terminate(signum: int, frame: Any) -> None:
    _pending.append(_Terminated)
    raise _Terminated


def _interrupt(signum: int, frame: Any) -> None:
    _pending.append(KeyboardInterrupt)
    raise KeyboardInterrupt


def _stop_if_asked() -> None:
    """Raise the stop a signal asked for, if a finalizer swallowed it: before a file is committed."""
    if _pending:
        raise _pending[0]


@contextlib.contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM (``kill``, a batch system's time limit) stops the command as Ctrl-C does, not at once.

    Left to its default, SIGTERM ends the process where it stands and leaves the
    temporary file of a conversion behind. A handler another program installed is kept.
    Either signal is also remembered, and a write checks before it renames its file
    into place (:data:`beamio._source.COMMIT_CHECKS`): a stop raised inside a
    finalizer, which Python ignores, still stops the write.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    if not main_thread:
        yield
        return
    installed: list[tuple[signal.Signals, Any]] = []
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
        installed.append((signal.SIGTERM, signal.SIG_DFL))
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
        installed.append((signal.SIGINT, signal.default_int_handler))
    _pending.clear()
    COMMIT_CHECKS.append(_stop_if_asked)
    try:
        yield
    finally:
        COMMIT_CHECKS.remove(_stop_if_asked)
        for number, handler in installed:
            signal.signal(number, handler)


def main(argv: Sequence[str] | None = None, *, registry: Registry | None = None) -> int:
    """Run the ``beamio`` command; returns the exit code."""
    given = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    args = parser.parse_args([f"--link-mode={a[7:]}" if a.startswith("--link=") else a for a in given])
    if isinstance(getattr(args, "link", None), str):
        try:
            args.link = _link(args.link)
        except argparse.ArgumentTypeError as error:
            parser.error(f"argument --link: {error}")
    registry = registry or default_registry()
    out = sys.stdout
    try:
        # The commands write their results to ``out``; anything else printed meanwhile (a plugin's
        # stray print that beamio did not catch itself) goes to stderr, not into the results.
        with _terminable(), warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
            if not args.debug:
                warnings.simplefilter("default")
            return _COMMANDS[args.command](args, registry, out)
    except BrokenPipeError:
        # The reader of the output went away (``beamio info f | head``): nothing more to say.
        # Python would complain again when it flushes stdout at exit, so point it at nothing.
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        return 141  # what a shell reports for a command ended by SIGPIPE
    except (BeamioError, OSError) as error:
        if args.debug:
            raise
        message = str(error)
        if isinstance(error, NoFormatMatched) and getattr(args, "explain", False):
            message = "no installed format reads this file (detection report above)"
        print(f"beamio: {message}", file=sys.stderr)
        return 1
    except _Terminated:
        print("beamio: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("beamio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

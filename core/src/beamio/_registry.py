"""Registry: plugins found through entry points, their formats and profiles, loaded once, isolated."""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import io
import os
import sys
import threading
import time
import types
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import attrs
import pluggy

from . import hookspecs
from ._formats import FormatReader, FormatWriter
from ._profiles import Profile, configured_profile
from ._spec import FormatSpec
from ._stdout import caught_stdout
from .errors import PluginError, PluginWarning, ProfileError, UnsupportedOperation

__all__ = ["FormatEntry", "PluginRecord", "Registry", "default_registry", "plugin_output"]

PluginStatus = Literal["ok", "broken", "disabled"]

#: Seconds of import above which a hook module is reported as slow: every command pays them.
SLOW_IMPORT = 1.0


@attrs.frozen
class PluginRecord:
    """One plugin as beamio found it: where it comes from and whether it loaded."""

    name: str
    distribution: str | None = None
    version: str | None = None
    module: str | None = None
    status: PluginStatus = "ok"
    error: str | None = None

    @property
    def label(self) -> str:
        """``beamio-edf 0.1.0 (edf)`` — how messages name the plugin."""
        if self.distribution:
            return f"{self.distribution} {self.version or '?'} ({self.name})"
        return self.name

    @property
    def remedy(self) -> str:
        """How a user gets rid of it."""
        uninstall = f"pip uninstall {self.distribution}" if self.distribution else "remove it"
        return f"{uninstall}, or set BEAMIO_DISABLE_PLUGINS={self.name}"


@attrs.frozen
class FormatEntry:
    """A format spec with the plugin that offers it and whether another replaced it."""

    spec: FormatSpec
    plugin: PluginRecord
    status: Literal["ok", "replaced"] = "ok"
    replaced_by: str | None = None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> set[str]:
    return {part.strip() for part in os.environ.get(name, "").split(",") if part.strip()}


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@contextlib.contextmanager
def plugin_output(plugin: str, doing: str) -> Iterator[None]:
    """Keep what a plugin prints off standard output, and say which plugin printed it.

    beamio's standard output is its results (``beamio info``, a converted file's
    report, a pipe into another program): a stray ``print`` in a plugin would
    corrupt it. What the plugin prints while it imports, runs a hook, sniffs or
    reads becomes a PluginWarning naming ``plugin`` (its label) and what it was
    ``doing``. Writing is not watched: a writer pulls the data through readers and
    the caller's own arrays, so what is printed then is not the writer's alone
    (the command line sends it to stderr). Text written straight to file
    descriptor 1 by compiled code is not caught; what other threads print
    meanwhile goes where it went (:func:`caught_stdout`).
    """
    printed = io.StringIO()
    try:
        with caught_stdout() as printed:
            yield
    finally:
        text = printed.getvalue()
        if text:
            shown = text if len(text) <= 200 else text[:200] + f"… ({len(text)} characters)"
            message = (
                f"plugin {plugin} printed to standard output while {doing}; beamio keeps it off its own"
                f" output: {shown!r}. A plugin should log or warn instead."
            )
            if sys.exc_info()[1] is None:
                warnings.warn(message, PluginWarning, stacklevel=3)
            else:  # the error on its way out says more; a warning turned into an error must not hide it
                with contextlib.suppress(Warning):
                    warnings.warn(message, PluginWarning, stacklevel=3)


class Registry:
    """The formats and profiles of a set of plugins.

    The process-wide registry (:func:`default_registry`) discovers plugins from the
    ``beamio`` entry-point group at first use. A scoped registry for one call or
    one test takes chosen plugin modules, with or without entry points, and
    touches nothing global::

        reg = beamio.Registry(plugins=[my_plugin], entry_points=False)
        with reg.open("x.chi") as f: ...

    Parameters
    ----------
    plugins
        Plugin modules or objects to register besides (or instead of) entry points.
    entry_points
        Whether to discover the ``beamio`` entry points.
    disabled
        Plugin (entry-point) or distribution names to skip; default from
        ``BEAMIO_DISABLE_PLUGINS``.
    strict
        Raise PluginError instead of warning when a plugin is broken; default from
        ``BEAMIO_STRICT_PLUGINS``.
    """

    def __init__(
        self,
        plugins: Iterable[Any] = (),
        *,
        entry_points: bool = True,
        disabled: Iterable[str] | None = None,
        strict: bool | None = None,
    ) -> None:
        self._explicit = list(plugins)
        self._use_entry_points = entry_points
        self._disabled = set(disabled) if disabled is not None else _env_list("BEAMIO_DISABLE_PLUGINS")
        self._strict = _env_flag("BEAMIO_STRICT_PLUGINS") if strict is None else strict
        self._lock = threading.RLock()
        self._classes: dict[tuple[str, str], type] = {}
        self._reset()

    def _reset(self) -> None:
        self._loaded = False
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._plugins: list[PluginRecord] = []
        self._records: dict[int, PluginRecord] = {}
        self._entries: list[FormatEntry] = []
        self._profiles: dict[str, tuple[Profile, PluginRecord]] = {}

    # -- loading -----------------------------------------------------------
    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            try:
                for number, plugin in enumerate(self._explicit):
                    name = _plugin_name(plugin, number)
                    module = plugin.__name__ if isinstance(plugin, types.ModuleType) else None
                    self._register(plugin, PluginRecord(name, module=module))
                if self._use_entry_points:
                    self._discover()
                offered = self._collect_formats()
                self._collect_profiles()
                # A plugin found broken by either hook offers nothing at all.
                broken = {p.name for p in self._plugins if p.status == "broken"}
                self._entries = _resolve_conflicts([e for e in offered if e.plugin.name not in broken])
                self._profiles = {n: v for n, v in self._profiles.items() if v[1].name not in broken}
            except BaseException:
                self._reset()  # a strict failure leaves nothing half-loaded for the next call
                raise
            self._loaded = True

    def _broken(self, record: PluginRecord, error: BaseException, what: str, plugin: Any = None) -> None:
        """Mark a plugin broken (and unregister it): a warning, or PluginError in strict mode."""
        broken = attrs.evolve(record, status="broken", error=f"{what}: {_describe(error)}")
        places = [i for i, p in enumerate(self._plugins) if p is record]
        if places:
            self._plugins[places[0]] = broken
        else:
            self._plugins.append(broken)
        if plugin is not None:
            self._records[id(plugin)] = broken
            if self._pm.is_registered(plugin):
                self._pm.unregister(plugin)
        detail = f"plugin {record.label}: {what}: {_describe(error)}."
        if self._strict:
            raise PluginError(
                f"beamio cannot load {detail} BEAMIO_STRICT_PLUGINS is set; {record.remedy}."
            ) from error
        warnings.warn(
            f"beamio skipped {detail} To silence this, {record.remedy}.", PluginWarning, stacklevel=4
        )

    def _register(self, plugin: Any, record: PluginRecord) -> None:
        try:
            self._pm.register(plugin, name=record.name)
        except Exception as error:  # pluggy's PluginValidationError, a duplicate name …
            self._broken(record, error, "invalid hooks")
            return
        self._plugins.append(record)
        self._records[id(plugin)] = record

    def _discover(self) -> None:
        seen: set[str] = set()
        for ep in sorted(importlib.metadata.entry_points(group=hookspecs.PROJECT), key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            record = PluginRecord(
                ep.name,
                dist.metadata["Name"] if dist is not None else None,
                dist.version if dist is not None else None,
                ep.value,
            )
            if ep.name in seen:
                continue
            seen.add(ep.name)
            if ep.name in self._disabled or (record.distribution or "") in self._disabled:
                self._plugins.append(attrs.evolve(record, status="disabled"))
                continue
            plugin = self._import(ep, record)
            if plugin is not None:
                self._register(plugin, record)

    def _import(self, ep: Any, record: PluginRecord) -> Any:
        """Import a plugin's hook module: the module, or None when it broke; a slow import is reported."""
        began = time.perf_counter()
        with plugin_output(record.label, f"importing its hook module {ep.value}"):
            try:
                plugin = ep.load()
            except BaseException as error:  # an import may raise anything, SystemExit included
                if isinstance(error, KeyboardInterrupt):
                    raise
                self._broken(record, error, "import failed")
                return None
        seconds = time.perf_counter() - began
        if seconds > SLOW_IMPORT:
            # Formats are found by asking every hook module, so there is no skipping it while it
            # is installed: say which one it is, what it costs, and how to go without it.
            warnings.warn(
                f"plugin {record.label} took {seconds:.1f} s to import its hook module {ep.value}, and"
                " every beamio command pays that time; a hook module should import in milliseconds"
                " (heavy imports belong in the reader and writer modules, imported when a file needs"
                f" them). To go without it, {record.remedy}.",
                PluginWarning,
                stacklevel=5,
            )
        return plugin

    def _call(self, hook: str) -> Iterable[tuple[PluginRecord, Any, list[Any]]]:
        for impl in getattr(self._pm.hook, hook).get_hookimpls():
            record = self._records.get(id(impl.plugin), PluginRecord(impl.plugin_name))
            if record.status != "ok":
                continue
            with plugin_output(record.label, f"running its hook {hook}"):
                try:
                    result = impl.function()
                    items = [] if result is None else list(result)
                except Exception as error:
                    self._broken(record, error, f"hook {hook} raised", impl.plugin)
                    continue
            yield record, impl.plugin, items

    def _collect_formats(self) -> list[FormatEntry]:
        offered: list[FormatEntry] = []
        for record, plugin, specs in self._call("beamio_formats"):
            bad = [s for s in specs if not isinstance(s, FormatSpec)]
            if bad:
                error = TypeError(f"returned {bad[0]!r}, not a FormatSpec")
                self._broken(record, error, "invalid format spec", plugin)
                continue
            offered.extend(FormatEntry(spec, record) for spec in specs)
        return offered

    def _collect_profiles(self) -> None:
        for record, plugin, profiles in self._call("beamio_profiles"):
            bad = [p for p in profiles if not isinstance(p, Profile)]
            if bad:
                self._broken(
                    record, TypeError(f"returned {bad[0]!r}, not a Profile"), "invalid profile", plugin
                )
                continue
            for profile in profiles:
                if profile.name in self._profiles:
                    other = self._profiles[profile.name][1]
                    warnings.warn(
                        f"profile {profile.name!r} is offered by {other.label} and by {record.label};"
                        f" using the one from {other.label}",
                        PluginWarning,
                        stacklevel=3,
                    )
                    continue
                self._profiles[profile.name] = (profile, record)

    @property
    def strict(self) -> bool:
        """Whether a misbehaving plugin is an error (``BEAMIO_STRICT_PLUGINS``), not a warning."""
        return self._strict

    # -- what is installed ---------------------------------------------------
    def plugins(self) -> list[PluginRecord]:
        """Every plugin found, ok, broken or disabled."""
        self._ensure_loaded()
        return list(self._plugins)

    def entries(self) -> list[FormatEntry]:
        """Every format offered, including those another replaced."""
        self._ensure_loaded()
        return list(self._entries)

    def entries_in_use(self) -> list[FormatEntry]:
        """The formats in use: every entry not replaced by another."""
        return [e for e in self.entries() if e.status == "ok"]

    def formats(self) -> list[FormatSpec]:
        """The specs of the formats in use."""
        return [e.spec for e in self.entries_in_use()]

    def entry(self, name: str) -> FormatEntry:
        """The format in use named ``name``; UnsupportedOperation listing the installed ones."""
        for entry in self.entries():
            if entry.spec.name == name and entry.status == "ok":
                return entry
        installed = ", ".join(sorted(e.spec.name for e in self.entries() if e.status == "ok"))
        from ._known import KNOWN_FORMATS

        hint = next((f"; {k.install_hint}" for k in KNOWN_FORMATS if k.name == name), "")
        raise UnsupportedOperation(
            f"no installed format is named {name!r}{hint} (installed: {installed or 'none'})"
        )

    def format(self, name: str) -> FormatSpec:
        """The spec of the format named ``name``."""
        return self.entry(name).spec

    # -- the module-level API, on this registry ------------------------------
    def open(self, path: Any, format: str | None = None, **kwargs: Any) -> Any:
        """:func:`beamio.open` with this registry's plugins."""
        from ._api import open as open_

        return open_(path, format, registry=self, **kwargs)

    def write(self, data: Any, path: Any, format: str | None = None, **kwargs: Any) -> Any:
        """:func:`beamio.write` with this registry's plugins."""
        from ._api import write

        return write(data, path, format, registry=self, **kwargs)

    def convert(self, src: Any, dst: Any, format: str | None = None, **kwargs: Any) -> Any:
        """:func:`beamio.convert` with this registry's plugins."""
        from ._api import convert

        return convert(src, dst, format, registry=self, **kwargs)

    def detect(self, path: Any, **kwargs: Any) -> Any:
        """:func:`beamio.detect` with this registry's plugins."""
        from ._api import detect

        return detect(path, registry=self, **kwargs)

    @property
    def hook(self) -> Any:
        """The pluggy hook relay, for calling observer hooks."""
        self._ensure_loaded()
        return self._pm.hook

    # -- readers and writers -------------------------------------------------
    def reader_class(self, entry: FormatEntry) -> type[FormatReader]:
        """Import the reader class of a format, once; PluginError naming the plugin on failure."""
        if not entry.spec.capabilities.read or entry.spec.reader is None:
            raise UnsupportedOperation(f"format {entry.spec.name!r} ({entry.plugin.label}) cannot read files")
        return self._load_class(entry, entry.spec.reader, FormatReader)  # type: ignore[return-value]

    def writer_class(self, entry: FormatEntry) -> type[FormatWriter]:
        """Import the writer class of a format, once."""
        if not entry.spec.capabilities.write or entry.spec.writer is None:
            raise UnsupportedOperation(
                f"format {entry.spec.name!r} ({entry.plugin.label}) cannot write files"
            )
        return self._load_class(entry, entry.spec.writer, FormatWriter)  # type: ignore[return-value]

    def _load_class(self, entry: FormatEntry, target: str, base: type) -> type:
        key = (entry.spec.name, target)
        if key in self._classes:
            return self._classes[key]
        module_name, _, attr = target.partition(":")
        with plugin_output(entry.plugin.label, f"importing {module_name}"):
            try:
                obj: Any = importlib.import_module(module_name)
                for part in attr.split("."):
                    obj = getattr(obj, part)
            except Exception as error:
                raise PluginError(
                    f"{entry.plugin.label}: cannot load {target} for format {entry.spec.name!r}:"
                    f" {_describe(error)}. To go on without it, {entry.plugin.remedy}."
                ) from error
        if not (isinstance(obj, type) and issubclass(obj, base)):
            raise PluginError(f"{entry.plugin.label}: {target} is not a beamio.{base.__name__} subclass")
        self._classes[key] = obj
        return obj

    # -- profiles --------------------------------------------------------------
    def profiles(self) -> dict[str, Profile]:
        """Every profile offered, by name (none is active until asked for)."""
        self._ensure_loaded()
        return {name: profile for name, (profile, _) in self._profiles.items()}

    def profile(self, wanted: str | Profile | None = None) -> Profile | None:
        """The active profile: ``wanted``, else ``BEAMIO_PROFILE``, else the config file's.

        The environment and the config file speak for the installed plugins: a
        scoped registry without entry points uses only the profile it is given.

        Activation checks everything at once and raises one ProfileError listing
        every problem: unknown formats, options the readers or writers do not
        take, values they refuse.
        """
        if wanted is None and self._use_entry_points:
            wanted = configured_profile()
        if wanted is None:
            return None
        if isinstance(wanted, Profile):
            profile = wanted
        else:
            offered = self.profiles()
            if wanted not in offered:
                names = ", ".join(sorted(offered)) or "none"
                raise ProfileError(f"no installed plugin offers the profile {wanted!r} (offered: {names})")
            profile = offered[wanted]
        problems = self._check_profile(profile)
        if problems:
            raise ProfileError(
                f"profile {profile.name!r} cannot be activated:\n" + "\n".join(f"  - {p}" for p in problems)
            )
        return profile

    def _check_profile(self, profile: Profile) -> list[str]:
        from .errors import BeamioError

        problems: list[str] = []
        names = {e.spec.name for e in self.entries() if e.status == "ok"}
        for preference in profile.preferences:
            if not preference.pattern:
                problems.append("a preference has an empty file pattern")
            if preference.format not in names:
                problems.append(
                    f"{preference.pattern!r} prefers format {preference.format!r}, which is not installed"
                )
        for role, table in (("reader", profile.reader_options), ("writer", profile.writer_options)):
            for name, options in table.items():
                if name not in names:
                    problems.append(f"{role} options are given for format {name!r}, which is not installed")
                    continue
                try:
                    entry = self.entry(name)
                    cls = self.reader_class(entry) if role == "reader" else self.writer_class(entry)
                    cls(entry.spec, **options)
                except BeamioError as error:
                    problems.append(str(error))
        return problems


def _plugin_name(plugin: Any, number: int) -> str:
    """A module by its name; another object by its class and its place among the explicit plugins."""
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    return f"{type(plugin).__name__}#{number}"


def _resolve_conflicts(offered: Sequence[FormatEntry]) -> list[FormatEntry]:
    """Mark replaced specs: declared replacements win silently, other clashes warn."""
    replaced: dict[int, str] = {}
    for entry in offered:
        for name in entry.spec.replaces:
            for other in offered:
                if other is not entry and other.spec.name == name:
                    replaced[id(other)] = entry.plugin.label
    by_name: dict[str, list[FormatEntry]] = {}
    for entry in offered:
        if id(entry) not in replaced:
            by_name.setdefault(entry.spec.name, []).append(entry)
    for name, clash in by_name.items():
        if len(clash) < 2:
            continue
        clash.sort(key=lambda e: (e.plugin.distribution or "", e.plugin.name))
        winner = clash[0]
        for loser in clash[1:]:
            replaced[id(loser)] = winner.plugin.label
        losers = ", ".join(e.plugin.label for e in clash[1:])
        warnings.warn(
            f"format {name!r} is offered by {winner.plugin.label} and by {losers}; using"
            f" {winner.plugin.label}. A plugin that means to replace it declares replaces=({name!r},).",
            PluginWarning,
            stacklevel=5,
        )
    return [
        attrs.evolve(e, status="replaced", replaced_by=replaced[id(e)]) if id(e) in replaced else e
        for e in offered
    ]


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry, discovering entry points at first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default


def reset_default_registry() -> None:
    """Forget the process-wide registry, so the next use discovers plugins again."""
    global _default
    with _default_lock:
        _default = None

"""Detection: rank the formats for a file from its head, and say why in a report."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from ._known import KNOWN_FORMATS
from ._registry import plugin_output
from ._source import Head
from .errors import BeamioError, NotThisFormat, PluginFailed, PluginWarning

if TYPE_CHECKING:
    from ._registry import FormatEntry, PluginRecord, Registry

__all__ = ["Candidate", "DetectionReport", "ask", "rank"]


@attrs.define
class Candidate:
    """One format considered for a file: its score, why, and what happened when asked."""

    format: str
    plugin: str
    score: int
    reasons: list[str]
    outcome: str = "not tried"

    def line(self) -> str:
        """One line of the report."""
        why = "; ".join(self.reasons) if self.reasons else "no signature or extension matched"
        return f"{self.format:<12} {self.score:>4}  {self.plugin:<28} {why} → {self.outcome}"


@attrs.define
class DetectionReport:
    """Which formats were considered for a file, in order, and why each refused."""

    path: str
    compression: str | None = None
    candidates: list[Candidate] = attrs.field(factory=list)
    broken_plugins: list[PluginRecord] = attrs.field(factory=list)
    hints: list[str] = attrs.field(factory=list)
    chosen: str | None = None

    def __str__(self) -> str:
        lines = [f"detection report for {self.path}"]
        if self.compression:
            lines.append(f"  whole-file {self.compression} compression, read through it")
        if self.candidates:
            lines.append(f"  {'format':<12} {'score':>4}  {'plugin':<28} why → outcome")
            lines.extend("  " + c.line() for c in self.candidates)
        else:
            lines.append("  no installed format can read files")
        for plugin in self.broken_plugins:
            lines.append(f"  plugin {plugin.label} failed to load: {plugin.error}")
        for hint in self.hints:
            lines.append(f"  {hint}")
        if self.chosen:
            lines.append(f"  chosen: {self.chosen}")
        return "\n".join(lines)


def ask(registry: Registry, entry: FormatEntry, head: Head) -> str | None:
    """Ask ``entry``'s sniffer about the file of ``head``: None when it takes it, else why not.

    A sniffer answers "mine or not?" for every file: one whose reader fails to load,
    or that raises, must not keep the others from answering. It is skipped with a
    PluginWarning naming its distribution (``BEAMIO_STRICT_PLUGINS=1``: a sniffer
    that raises is an error, for its author).
    """
    try:
        cls = registry.reader_class(entry)
    except BeamioError as error:
        warnings.warn(str(error), PluginWarning, stacklevel=3)
        return f"reader failed to load: {error}"
    try:
        with plugin_output(entry.plugin.label, f"sniffing {head.path}"):
            cls.sniff(head)
    except NotThisFormat as refusal:
        return f"refused: {refusal.message}"
    except Exception as error:
        what = f"{type(error).__name__}: {error}"
        said = f"{entry.plugin.label}: the {entry.spec.name} sniffer raised on {head.path}: {what}"
        if registry.strict:
            raise PluginFailed(said) from error
        warnings.warn(
            f"beamio skipped {said}. To go without it, {entry.plugin.remedy}.", PluginWarning, stacklevel=3
        )
        return f"sniffer raised {what}"
    return None


def rank(
    entries: Sequence[FormatEntry], head: Head, preferred: Sequence[str] = ()
) -> list[tuple[FormatEntry, Candidate]]:
    """Every readable, guessable format, best first: profile preferences, then score, then priority."""
    ranked = []
    for entry in entries:
        spec = entry.spec
        if not spec.guess or not spec.capabilities.read:
            continue
        score, reasons = spec.score(head)
        if spec.name in preferred:
            reasons.insert(0, "preferred by the active profile")
        ranked.append((entry, Candidate(spec.name, entry.plugin.label, score, reasons)))
    order = {name: i for i, name in enumerate(preferred)}
    ranked.sort(
        key=lambda pair: (
            order.get(pair[0].spec.name, len(order)),
            -pair[1].score,
            -pair[0].spec.priority,
            pair[0].spec.name,
        )
    )
    return ranked


def install_hints(entries: Sequence[FormatEntry], head: Head) -> list[str]:
    """What would read this file: installed formats without a reader, then formats not installed."""
    hints = []
    installed = {e.spec.name: e for e in entries}
    for known in KNOWN_FORMATS:
        score, reasons = known.score(head)
        if score <= 0:
            continue
        entry = installed.get(known.name)
        if entry is None:
            hints.append(
                f"looks like {known.name} ({'; '.join(reasons)}), whose plugin is not installed:"
                f" {known.install_hint}"
            )
        elif not entry.spec.capabilities.read:
            hints.append(
                f"looks like {known.name} ({'; '.join(reasons)}), but {entry.plugin.label} cannot read it yet"
            )
    return hints

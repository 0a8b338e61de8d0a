"""FormatReader and FormatWriter: the seam every format plugin implements."""

from __future__ import annotations

import abc
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ._options import COMMON_READ_OPTIONS, COMMON_WRITE_OPTIONS, Option, validate_options
from .errors import LossyConversionWarning, UnsupportedOperation

if TYPE_CHECKING:
    from ._file import File
    from ._source import Head, Source, Target
    from ._spec import FormatSpec

__all__ = ["FormatReader", "FormatWriter"]


class _Options:
    options: ClassVar[Mapping[str, Option]] = {}
    _common: ClassVar[Mapping[str, Option]] = {}
    _role: ClassVar[str] = ""

    def __init__(self, spec: FormatSpec, **options: Any) -> None:
        self.spec = spec
        #: The option values of this reader or writer (``options`` declares them, on the class).
        self.settings: dict[str, Any] = validate_options(
            self.all_options(), options, f"{spec.name} {self._role}"
        )

    @classmethod
    def all_options(cls) -> dict[str, Option]:
        """The options this class takes: the common ones and its own."""
        return {**cls._common, **cls.options}

    @property
    def strict(self) -> bool:
        """Whether the strict option is on."""
        return bool(self.settings.get("strict"))


class FormatReader(_Options, abc.ABC):
    """Reads one format into the model.

    Subclasses declare their keyword ``options`` (``strict`` is common to all),
    may override :meth:`sniff` to refuse files that are not theirs from the head
    alone, and implement :meth:`read`, which ends with ``source.file(datasets)``.
    Raise :class:`~beamio.errors.NotThisFormat` (from ``sniff`` or ``read``) when the
    file is not of this format; raise :class:`~beamio.errors.FormatError` for a file
    of this format that is broken; report what lenient reading forgives to
    ``source.diagnostics``.
    """

    _common = COMMON_READ_OPTIONS
    _role = "reader"

    @classmethod
    def sniff(cls, head: Head) -> None:
        """Raise NotThisFormat when the head shows the file is not of this format."""

    @abc.abstractmethod
    def read(self, source: Source) -> File:
        """Index the file and return it; heavy data stays lazy."""


class FormatWriter(_Options, abc.ABC):
    """Writes the model in one format.

    ``write`` receives an open :class:`~beamio.File` and a
    :class:`~beamio.Target`; it writes ``target.temp`` (beamio renames it into place)
    and pulls datasets and frames one at a time so memory stays bounded. What
    it cannot represent it passes to :meth:`lossy`.
    """

    _common = COMMON_WRITE_OPTIONS
    _role = "writer"

    @abc.abstractmethod
    def write(self, file: File, target: Target) -> None:
        """Write every Dataset of ``file`` to ``target.temp``."""

    def lossy(self, message: str) -> None:
        """Say what the target cannot represent: a warning, or an error when strict."""
        text = f"{self.spec.name}: {message}"
        if self.strict:
            raise UnsupportedOperation(text)
        warnings.warn(text, LossyConversionWarning, stacklevel=2)

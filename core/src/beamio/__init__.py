"""beamio: open, convert and write synchrotron data through one model and a plugin registry.

Importing ``beamio`` is cheap (no numpy) so that plugin hook modules can import
``beamio.hookimpl`` and ``beamio.FormatSpec`` freely; the model and the API are
loaded on first use.
"""

from importlib.metadata import PackageNotFoundError as _NotFound
from importlib.metadata import version as _version
from typing import TYPE_CHECKING

from . import errors, hookspecs
from ._detect import Candidate, DetectionReport
from ._diagnostics import Diagnostic, Diagnostics
from ._exports import lazy_getattr as _lazy_getattr
from ._formats import FormatReader, FormatWriter
from ._guard import Guard
from ._header import Header, HeaderEntry
from ._known import KNOWN_FORMATS, known_format
from ._options import Option
from ._profiles import Preference, Profile
from ._registry import FormatEntry, PluginRecord, Registry, default_registry
from ._series import expand_series
from ._series import siblings as series_siblings
from ._source import HEAD_SIZE, Head, Source, Target, inflated_limit, read_head
from ._spec import Capabilities, FormatSpec, Signature
from ._url import Url, parse_url
from .errors import FormatError, LossyConversionWarning, NoFormatMatched, NotThisFormat
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from ._api import convert, detect, open, read, write
    from ._dataset import Dataset, LazyDatasets, LazyMapping, Plot
    from ._file import File
    from ._frames import Extent, Frame, FrameStack
    from ._lazy import LazyArray
    from ._spectrum import Calibration, Roi, Spectrum
    from ._tree import Array, Group

# Names whose modules import numpy: loaded on first access.
_LAZY = {
    "convert": "_api",
    "detect": "_api",
    "open": "_api",
    "read": "_api",
    "write": "_api",
    "Dataset": "_dataset",
    "LazyMapping": "_dataset",
    "LazyDatasets": "_dataset",
    "Plot": "_dataset",
    "File": "_file",
    "Extent": "_frames",
    "Frame": "_frames",
    "FrameStack": "_frames",
    "LazyArray": "_lazy",
    "Calibration": "_spectrum",
    "Roi": "_spectrum",
    "Spectrum": "_spectrum",
    "Array": "_tree",
    "Group": "_tree",
}


__getattr__ = _lazy_getattr(__name__, _LAZY, globals())


try:
    __version__ = _version("beamio")
except _NotFound:  # a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "HEAD_SIZE",
    "KNOWN_FORMATS",
    "Array",
    "Calibration",
    "Candidate",
    "Capabilities",
    "Dataset",
    "DetectionReport",
    "Diagnostic",
    "Diagnostics",
    "Extent",
    "File",
    "FormatEntry",
    "FormatError",
    "FormatReader",
    "FormatSpec",
    "FormatWriter",
    "Frame",
    "FrameStack",
    "Group",
    "Guard",
    "Head",
    "Header",
    "HeaderEntry",
    "LazyArray",
    "LazyDatasets",
    "LazyMapping",
    "LossyConversionWarning",
    "NoFormatMatched",
    "NotThisFormat",
    "Option",
    "Plot",
    "PluginRecord",
    "Preference",
    "Profile",
    "Registry",
    "Roi",
    "Signature",
    "Source",
    "Spectrum",
    "Target",
    "Url",
    "__version__",
    "convert",
    "default_registry",
    "detect",
    "errors",
    "expand_series",
    "hookimpl",
    "hookspecs",
    "inflated_limit",
    "known_format",
    "open",
    "parse_url",
    "read",
    "read_head",
    "series_siblings",
    "write",
]

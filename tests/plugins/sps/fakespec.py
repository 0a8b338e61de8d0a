"""A stand-in for SPEC: a process that publishes shared arrays with PyMca's ``sps``, as SPEC does.

Run as a script, it reads one JSON command per line and answers one JSON line.
:class:`FakeSpec` starts it and sends the commands. ``sps.create``, ``putdata``,
``putdatarow``, ``putenv`` and ``updatedone`` write the segments exactly as SPEC
does; ``sps.putinfo`` and ``sps.putmetadata`` fail on Python ≥ 3.10 (``SystemError:
PY_SSIZE_T_CLEAN``), so ``info`` and ``metadata`` write those bytes as their C code
does (``strncpy`` into the header's 512-byte info, ``memcpy`` to ``meta_start``) — and
``pymca`` asks PyMca's own reader, so tests can check that it reads them back.

When the process ends, its segments go with it: sps marks each for removal when
it creates it, and the kernel removes it at the last detach.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

DOUBLE, FLOAT, INT, UINT, SHORT, USHORT, CHAR, UCHAR, STRING = range(9)
TAG_ARRAY, TAG_MCA, TAG_IMAGE, TAG_SCAN, TAG_INFO, TAG_FRAMES = 0x2, 0x10, 0x20, 0x40, 0x80, 0x100
_HEAD = 4096  # the data start a page after the header (version 4 on)
_INFO = 372  # the info text in the header (version 6)
_DTYPES = {0: "f8", 1: "f4", 2: "i4", 3: "u4", 4: "i2", 5: "u2", 6: "i1", 7: "u1", 9: "i8"}


def _serve() -> None:  # pragma: no cover - runs in the child process
    import ctypes

    import numpy as np
    from PyMca5.PyMcaIO import sps

    spec = sys.argv[1]
    arrays: dict[str, Any] = {}

    def header_address(array: str) -> int:
        return int(arrays[array].ctypes.data) - _HEAD

    def run(op: str, array: str = "", **args: Any) -> Any:
        if op == "create":
            try:
                shape = (args["rows"], args["cols"])
                arrays[array] = sps.create(spec, array, *shape, args["type"], args["flags"])
            except sps.error:  # a string array is created, but numpy cannot show it
                arrays.pop(array, None)
            return sps.getshmid(spec, array)
        if op == "put":
            data = np.array(args["data"], dtype=arrays[array].dtype)
            sps.putdata(spec, array, data)
            return None
        if op == "put_row":
            sps.putdatarow(spec, array, args["row"], np.array(args["values"], dtype=arrays[array].dtype))
            return None
        if op == "write":  # into the memory, as SPEC fills a row, without touching the counter
            arrays[array][args["row"]] = args["values"]
            return None
        if op == "env":
            sps.putenv(spec, array, args["key"], args["value"])
            return None
        if op == "touch":
            return sps.updatedone(spec, array)
        if op == "info":
            text = args["text"].encode("latin-1")[:512]
            ctypes.memmove(header_address(array) + _INFO, text.ljust(512, b"\0"), 512)
            return None
        if op == "metadata":
            head = header_address(array)
            start, length = (ctypes.c_uint32 * 2).from_address(head + 108)
            text = args["text"].encode("latin-1")
            ctypes.memmove(head + start, text, min(len(text), length))
            return None
        if op == "poke":  # a header field damaged on purpose
            ctypes.c_uint32.from_address(header_address(array) + args["offset"]).value = args["value"]
            return None
        if op == "pymca":
            value = getattr(sps, args["function"])(spec, *([array] if array else []))
            return value.tolist() if hasattr(value, "tolist") else value
        raise ValueError(f"unknown command {op!r}")

    for line in sys.stdin:
        command = json.loads(line)
        try:
            reply = {"result": run(**command)}
        except Exception as error:
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


class FakeSpec:
    """A SPEC session named ``name`` in its own process; ``close`` ends it and its segments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, __file__, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    @property
    def pid(self) -> int:
        """The process id SPEC's headers hold."""
        return self.process.pid

    def call(self, op: str, array: str = "", **args: Any) -> Any:
        """Run one command in the SPEC process; RuntimeError with its message if it failed."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, "array": array, **args}) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"fake SPEC {self.name}: {op} {array}: {reply['error']}")
        return reply["result"]

    def create(self, array: str, rows: int, cols: int, type: int = DOUBLE, flags: int = 0) -> int:
        """Create a shared array (sps adds TAG_ARRAY); returns its shmid."""
        return int(self.call("create", array, rows=rows, cols=cols, type=type, flags=flags))

    def put(self, array: str, data: Any) -> None:
        """Write the whole array (``sps.putdata``: the update counter moves)."""
        self.call("put", array, data=data)

    def put_row(self, array: str, row: int, values: Any) -> None:
        """Write one row (``sps.putdatarow``: the counter moves)."""
        self.call("put_row", array, row=row, values=values)

    def write(self, array: str, row: int, values: Any) -> None:
        """Write one row into the memory without moving the counter."""
        self.call("write", array, row=row, values=values)

    def env(self, array: str, key: str, value: str) -> None:
        """Set ``key=value`` in a string array (``sps.putenv``)."""
        self.call("env", array, key=key, value=value)

    def touch(self, array: str) -> None:
        """Move the update counter (``sps.updatedone``)."""
        self.call("touch", array)

    def info(self, array: str, text: str) -> None:
        """Write the header's info text, as ``SPS_PutInfoString`` does."""
        self.call("info", array, text=text)

    def metadata(self, array: str, value: Any) -> None:
        """Write the metadata tail (JSON of ``value``, or the text given), as ``SPS_PutMetaData`` does."""
        self.call("metadata", array, text=value if isinstance(value, str) else json.dumps(value))

    def poke(self, array: str, offset: int, value: int) -> None:
        """Overwrite the u32 header field at ``offset``."""
        self.call("poke", array, offset=offset, value=value)

    def pymca(self, function: str, array: str = "") -> Any:
        """What PyMca's ``sps.<function>(name, array)`` returns in the SPEC process."""
        return self.call("pymca", array, function=function)

    def close(self) -> None:
        """End the process; the kernel removes its segments."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":  # pragma: no cover
    _serve()

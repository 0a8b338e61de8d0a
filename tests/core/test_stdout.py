"""What a plugin prints is caught for its own thread only; other threads print as ever."""

from __future__ import annotations

import sys
import threading

import pytest

from beamio._registry import plugin_output
from beamio._stdout import caught_stdout
from beamio.errors import PluginWarning


def test_another_thread_s_prints_are_not_the_plugin_s(capsys: pytest.CaptureFixture[str]) -> None:
    inside, outside = threading.Event(), threading.Event()

    def elsewhere() -> None:
        inside.wait(5)
        print("the program's own line")
        outside.set()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    with pytest.warns(PluginWarning) as said, plugin_output("beamio-toy 1.0 (toy)", "sniffing x.toy"):
        print("plugin chatter")
        inside.set()
        outside.wait(5)
    thread.join()
    assert capsys.readouterr().out == "the program's own line\n"
    assert len(said) == 1
    assert "'plugin chatter\\n'" in str(said[0].message) and "own line" not in str(said[0].message)


def test_catches_nest_and_the_stream_comes_back() -> None:
    before = sys.stdout
    with caught_stdout() as outer:
        print("a")
        with caught_stdout() as inner:
            print("b")
        print("c")
    assert (outer.getvalue(), inner.getvalue()) == ("a\nc\n", "b\n")
    assert sys.stdout is before


def test_the_router_answers_for_the_stream_it_replaced() -> None:
    stream = sys.stdout
    with caught_stdout():
        assert sys.stdout is not stream
        assert (sys.stdout.encoding, sys.stdout.isatty()) == (stream.encoding, stream.isatty())
        sys.stdout.flush()


def test_no_stream_at_all_and_writelines(monkeypatch: pytest.MonkeyPatch) -> None:
    """pythonw or a daemon has no sys.stdout: another thread's print does nothing, as without beamio."""
    monkeypatch.setattr(sys, "stdout", None)
    failures: list[BaseException] = []

    def elsewhere() -> None:
        try:
            print("nowhere")
        except BaseException as error:
            failures.append(error)

    with caught_stdout() as caught:
        sys.stdout.writelines(["a\n", "b\n"])
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert failures == [] and caught.getvalue() == "a\nb\n" and sys.stdout is None

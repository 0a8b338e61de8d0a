"""Converters for attrs fields (named functions, so type checkers follow them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["as_tuple"]


def as_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """Any iterable as a tuple (frozen values hold tuples, never lists)."""
    return tuple(values)

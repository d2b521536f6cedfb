"""Rendered answers kept in each web process, per app: a small least-recently-used map per view.

What an answer depends on goes in its key, with the view's change counter (:mod:`.changes`) first,
so that a change made by any process makes every process's stale entries unreachable (they age out
of the bounded map) without a message between processes. One cache per (app, view): tests run
several apps in one process, and an app's caches go with it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from flask import Flask, current_app

T = TypeVar("T")


class AnswerCache(Generic[T]):
    """A least-recently-used map of at most ``size`` answers, safe across a process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> T | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], answer: T) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


_CACHES: WeakKeyDictionary[Flask, dict[str, AnswerCache[Any]]] = WeakKeyDictionary()


def for_view(name: str, size: int) -> AnswerCache[Any]:
    """The current app's cache for the view ``name``, made on first use with room for ``size`` answers."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # flask types current_app as Flask
    caches = _CACHES.get(app) or _CACHES.setdefault(app, {})
    return caches.get(name) or caches.setdefault(name, AnswerCache(size))

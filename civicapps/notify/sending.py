"""Sending one message: apprise behind the egress guard, on a send thread that records each outcome.

A worker hands messages to a :class:`Sender` ready to go (rendered, and with apprise's service object
made by :func:`prepare`), at most one ahead of the message in flight. The send thread sends a message,
commits its outcome, and only then takes the next, so a worker killed with SIGKILL leaves at most one
in-flight message unrecorded per send thread (a deliver job has one; a worker runs one job per
thread). Recording on the send thread, and finding the next message already waiting there, means no
hand-over between threads stands between one send and the next: the composing thread only keeps the
queue filled and enforces each message's time budget.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import apprise
import requests
from apprise.manager_plugins import NotificationManager
from apprise.plugins.base import NotifyBase
from flask import Flask

from civicapps.db import get_database
from civicapps.notify.channels import scheme_refusal
from civicapps.notify.egress import EgressPolicy, delivery_session, guarded
from civicapps.notify.outbox import Claimed, Recorder
from civicapps.notify.reasons import Reason
from civicapps.notify.render import Message
from civicapps.notify.settings import notify_settings

logger = logging.getLogger(__name__)

FORMATS = {
    "html": apprise.NotifyFormat.HTML,
    "markdown": apprise.NotifyFormat.MARKDOWN,
    "text": apprise.NotifyFormat.TEXT,
}


def _cached(app: Flask, key: str, make: Callable[[], Any]) -> Any:
    value = app.extensions.get(key)
    if value is None:
        value = app.extensions[key] = make()
    return value


def asset_for(app: Flask) -> apprise.AppriseAsset:
    """No redirects and nothing kept on disk between sends. (apprise's own time limit never applies:
    services are called directly, and a :class:`Sender` keeps the per-message budget.)"""
    council = app.extensions["civicapps"].settings.council.name
    return _cached(
        app,
        "civicapps_apprise_asset",
        lambda: apprise.AppriseAsset(app_id="civicapps", app_desc=council, http_redirects=False, storage_mode="memory"),
    )


def policy_for(app: Flask) -> EgressPolicy:
    return _cached(app, "civicapps_egress_policy", lambda: EgressPolicy(notify_settings(app).egress_allow))


#: apprise's warnings during the send in progress on this thread (they say why it failed, e.g. "error=404").
_warnings: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("civicapps_apprise_warnings", default=None)
_listen_lock = threading.Lock()


class _WarningsOfThisSend(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        found = _warnings.get()
        if found is not None:
            found.append(record.getMessage())


def _listen() -> None:
    """Put the one :class:`_WarningsOfThisSend` on apprise's logger (again, if something removed it)."""
    apprise_logger = logging.getLogger("apprise")
    if any(isinstance(handler, _WarningsOfThisSend) for handler in apprise_logger.handlers):
        return
    with _listen_lock:
        if not any(isinstance(handler, _WarningsOfThisSend) for handler in apprise_logger.handlers):
            apprise_logger.addHandler(_WarningsOfThisSend(logging.WARNING))


@contextmanager
def apprise_warnings() -> Iterator[list[str]]:
    """Collect what apprise warns about inside (in this thread only) into the yielded list.

    One handler stays on apprise's logger for the life of the process and records only for a thread
    that is collecting: adding and removing a handler per message would take the logging module's
    lock twice a send for every thread of the worker.
    """
    _listen()
    found: list[str] = []
    token = _warnings.set(found)
    try:
        yield found
    finally:
        _warnings.reset(token)


def _not_apprise_below_error(record: logging.LogRecord) -> bool:
    apprise_record = record.name == "apprise" or record.name.startswith("apprise.")
    return not apprise_record or record.levelno >= logging.ERROR


def ready_worker() -> None:
    """For a worker process, before its first job.

    apprise's warnings name destination hosts, so they go to the outbox as reasons for staff and not
    to the log (its errors still do). Its logger stays at WARNING: a send's reason is read from the
    warnings it creates, which a higher level would stop it creating at all. apprise's services are
    loaded now rather than by the first message sent (a third of a second), so a worker's first
    alert does not wait for them.
    """
    logging.getLogger("apprise").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_not_apprise_below_error)
    NotificationManager().load_modules()


@dataclass(frozen=True)
class Outgoing:
    """A rendered message and its destination, ready for :func:`prepare`."""

    url: str
    message: Message
    body_format: str
    check_scheme: bool = True


@dataclass(frozen=True)
class Prepared:
    """An :class:`Outgoing` with apprise's service object already made (or the reason it cannot be).

    Preparing is kept apart from sending so that a worker does it while the previous message is still
    on the wire: parsing a URL into a service costs as much as a tenth of a send.
    """

    message: Message
    body_format: str
    service: NotifyBase | None = None
    refusal: Reason | None = None


def prepare(app: Flask, outgoing: Outgoing) -> Prepared:
    """Check ``outgoing``'s scheme (unless civicapps built the URL itself) and make its service."""
    refusal = scheme_refusal(outgoing.url, notify_settings(app)) if outgoing.check_scheme else None
    if refusal:
        return Prepared(outgoing.message, outgoing.body_format, refusal=Reason("refused", {"refusal": refusal}))
    service = _service(outgoing.url, asset_for(app))
    if service is None:
        return Prepared(outgoing.message, outgoing.body_format, refusal=Reason("invalid-url"))
    return Prepared(outgoing.message, outgoing.body_format, service)


def _service(url: str, asset: apprise.AppriseAsset) -> NotifyBase | None:
    """apprise's service object for ``url``, or None if the URL is not valid.

    ``Apprise.instantiate()`` formats two log lines whether or not anything is logged: a secret-masked
    copy of every URL (as costly as parsing it) and a dump of its fields. Here the service's own parser
    reads the URL and the service is made from the fields, with instantiate's checks (the service
    is enabled before and after). A scheme apprise does not know (a service's native https address,
    say) still goes through ``instantiate``.
    """
    services = NotificationManager()
    scheme = url.partition("://")[0].lower()
    if scheme not in services:
        return apprise.Apprise.instantiate(url, asset=asset)
    kind = services[scheme]
    fields = kind.parse_url(url.replace("/#", "/%23"))  # as apprise's own url_to_dict does
    if not fields or not kind.enabled:
        return None
    try:
        service = kind(**{**fields, "tag": set(), "asset": asset})
    except Exception:  # apprise's services refuse bad arguments by raising
        return None
    return service if service.enabled else None


def _send(policy: EgressPolicy, prepared: Prepared, session: requests.Session) -> Reason | None:
    """Send one message; None on success, else a reason fit for staff (no secrets).

    No overall time limit applies here (sockets still time out): a :class:`Sender` keeps
    ``send_timeout_seconds``. The egress guard always applies; apprise's requests go through
    ``session`` (the send thread's :func:`~civicapps.notify.egress.delivery_session`).

    The service is called directly rather than through ``Apprise.notify()``: a service's own
    ``notify()`` converts the body to its format and applies its size limits just the same, and the
    orchestration around it (tags, escalation, retries, a result object describing the service by its
    URL, twice) cost a sixth of every send. Why a send failed is read from apprise's warnings.
    """
    if prepared.refusal is not None:
        return prepared.refusal
    service = prepared.service
    assert service is not None
    message = prepared.message
    with guarded(policy, session) as refusals, apprise_warnings() as warnings:
        try:
            sent = service.notify(body=message.body, title=message.title, body_format=FORMATS[prepared.body_format])
        except Exception as exc:  # a plugin's bug must not stop the worker
            # Where it was raised, not what it says: an exception's text may hold the URL and its secrets.
            where = traceback.extract_tb(exc.__traceback__)[-1]
            logger.warning(
                "apprise's %s service raised %s at %s:%s",
                service.service_name,
                type(exc).__name__,
                where.filename,
                where.lineno,
            )
            failed = Reason("service-failed", {"service": str(service.service_name), "error": type(exc).__name__})
            return refusals[0] if refusals else failed
    if sent:
        return None
    if refusals:
        return refusals[0]
    if warnings:
        return Reason.verbatim(warnings[-1])
    return Reason("service-reported-failure", {"service": str(service.service_name)})


class Handed:
    """One message handed to a :class:`Sender`, and what became of it."""

    def __init__(self, prepared: Prepared, token: str, rows: list[Claimed]):
        self.prepared = prepared
        self.token = token
        self.rows = rows  # the outbox rows to record its outcome on (none for a test message)
        self.taken = threading.Event()  # a send thread has started on it
        self.taken_at = 0.0
        self.done = threading.Event()  # sent and recorded (or recording it failed)
        self.error: Reason | None = None
        self.failure: BaseException | None = None  # why it could not be sent or recorded (the database, say)


class _SendThread(threading.Thread):
    """Takes handed messages in order; sends each, records its outcome, then takes the next.

    Its recorder has a database connection of its own, and its requests session keeps connections to
    receivers open from one message to the next. Once ``abandoned`` (its message overran the
    budget) it takes nothing more, and it ends after a failure. ``lock`` makes "take the next message"
    and "abandon" exclusive, so a message is either sent here or by the thread that replaces this one.
    """

    def __init__(self, app: Flask, policy: EgressPolicy):
        super().__init__(name="civicapps-send", daemon=True)
        self.app = app
        self.policy = policy
        self.inbox: queue.SimpleQueue[Handed | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.abandoned = False

    def run(self) -> None:
        recorder: Recorder | None = None
        session = delivery_session()
        try:
            while (handed := self.inbox.get()) is not None:
                with self.lock:
                    if self.abandoned:
                        return
                    handed.taken_at = time.monotonic()
                    handed.taken.set()
                try:
                    handed.error = _send(self.policy, handed.prepared, session)
                    if handed.rows:
                        recorder = recorder or Recorder(get_database(self.app).engine, notify_settings(self.app))
                        recorder.finish(handed.token, handed.rows, handed.error)
                except BaseException as exc:  # handed to the waiting thread, which raises it
                    handed.failure = exc
                with self.lock:
                    if self.abandoned:  # the waiting thread has recorded it as overrun
                        return
                    handed.done.set()
                if handed.failure is not None:
                    return
        finally:
            session.close()
            if recorder is not None:
                recorder.close()


class Sender:
    """Sends handed messages one at a time on a thread of its own, which records each outcome.

    :meth:`hand` queues a message behind the one in flight; :meth:`wait_oldest` returns the outcome of
    the oldest message handed once it is sent and recorded. A message that has not gone within
    ``send_timeout_seconds`` of its start is recorded as not sent there instead, and its thread is
    abandoned to finish on its own (as apprise does with its own time limit): a new thread takes over
    the messages queued behind it. The late outcome changes nothing: a row once recorded has left the
    claim that the recording statement asks for.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.budget = notify_settings(app).send_timeout_seconds
        self.policy = policy_for(app)
        self.queued: list[Handed] = []  # handed and not yet waited for, oldest first
        self.thread = self._fresh()

    def _fresh(self) -> _SendThread:
        thread = _SendThread(self.app, self.policy)
        thread.start()
        return thread

    @property
    def pending(self) -> int:
        """Messages handed and not yet waited for (in flight, or queued behind it)."""
        return len(self.queued)

    def hand(self, prepared: Prepared, token: str = "", rows: list[Claimed] | None = None) -> None:
        """Queue a message; its outcome is recorded on ``rows`` of claim ``token`` (if any) before the next goes."""
        handed = Handed(prepared, token, rows or [])
        self.queued.append(handed)
        self.thread.inbox.put(handed)

    def wait_oldest(self) -> Reason | None:
        """Wait for the oldest message handed: None if it was sent, else why not.

        Raises what went wrong if it could not be recorded; the messages queued behind it are then
        dropped unsent (their rows stay claimed until the sweeper puts them back).
        """
        handed, thread = self.queued.pop(0), self.thread
        if handed.taken.wait(self.budget):  # at once, normally: everything handed before it is done
            handed.done.wait(max(0.0, handed.taken_at + self.budget - time.monotonic()))
        with thread.lock:
            overran = not handed.done.is_set()
            thread.abandoned = overran
        if handed.failure is not None:
            self.queued.clear()
            self.thread = self._fresh()
            raise handed.failure
        if not overran:
            return handed.error
        # Not on ``handed``: the old thread may still write there.
        error = Reason("no-answer", {"seconds": f"{self.budget:g}"})
        thread.inbox.put(None)
        self.thread = self._fresh()
        for waiting in self.queued:
            self.thread.inbox.put(waiting)
        if handed.rows:
            recorder = Recorder(get_database(self.app).engine, notify_settings(self.app))
            try:
                recorder.finish(handed.token, handed.rows, error)
            finally:
                recorder.close()
        return error

    def send(self, outgoing: Outgoing) -> Reason | None:
        """Prepare and send one message, recording nothing, and wait for it: None if it was sent, else why not."""
        self.hand(prepare(self.app, outgoing))
        return self.wait_oldest()

    def close(self) -> None:
        """Wait for every message handed, then end the send thread."""
        try:
            while self.queued:
                self.wait_oldest()
        finally:
            self.thread.inbox.put(None)
            self.thread.join()

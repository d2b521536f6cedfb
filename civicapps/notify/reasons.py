"""Why a message was not sent: in English for logs and the command line, in each reader's language on pages.

A worker records a failed send on its outbox row twice over: ``last_error``, the English sentence
(what logs, ``civicapps notify test`` and rows recorded before reasons had codes hold), and
``last_reason``, a stable code with its values, from which a staff page says it again in the
language of whoever reads it. The code, not the sentence, is stored so that rewording a message
never strands the rows recorded with the old words; a row without a code (recorded before codes,
or apprise's own words) is shown as it was stored.

Why not translate when recording: the worker has no reader. It runs outside any request, and one
council's staff may read the same failure in English and in Welsh. The same reasons (a scheme the
deployment has not enabled, an address the egress guard refuses) are shown to a resident at once
when they subscribe, through :meth:`Reason.translated`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from civicapps.i18n import gettext


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it: it is translated where it is shown."""
    return message


#: Each reason's code and its English sentence (the msgid), with its values as ``%(name)s``.
#: Codes are stored: never reuse one for a different meaning; retire it instead.
MESSAGES: dict[str, str] = {
    "invalid-url": N_("not sent: the notification URL is not valid"),
    "refused": N_("not sent: %(refusal)s"),
    "no-answer": N_("not sent: no answer within %(seconds)s s"),
    "service-failed": N_("not sent: the %(service)s service failed (%(error)s)"),
    "service-reported-failure": N_("not sent: the %(service)s service reported a failure"),
    "scheme-not-enabled": N_("'%(scheme)s://' addresses are not enabled here (allowed: %(allowed)s)"),
    # The egress guard's (civicapps.notify.egress): what a delivery may not connect to, and why.
    "destination": N_("destination %(refusal)s"),
    "address-refused": N_("%(address)s is %(reason)s"),
    "wrapped-address-refused": N_("%(address)s wraps %(inner)s, which is %(reason)s"),
    "unresolvable-host": N_("the host name %(host)s does not resolve"),
    "loopback": N_("a loopback address (this machine)"),
    "link-local": N_("a link-local address (such as a cloud metadata service)"),
    "private": N_("a private network address"),
    "not-public": N_("not a public internet address"),
    "nat64": N_("a NAT64 address (an IPv4 address wrapped in IPv6)"),
    "local-nat64": N_("a local-use NAT64 address (an IPv4 address wrapped in IPv6)"),
    "6to4": N_("a 6to4 address (an IPv4 address wrapped in IPv6)"),
    "teredo": N_("a Teredo address (an IPv4 address wrapped in IPv6)"),
    "ipv4-compatible": N_("an IPv4-compatible IPv6 address"),
    "site-local": N_("a site-local address (a private network)"),
}

Value: TypeAlias = "str | Reason"


@dataclass(frozen=True)
class Reason:
    """One of :data:`MESSAGES` with its values, which may be reasons in turn (``refused``'s refusal).

    ``code`` None is words from elsewhere (an apprise service's warning), kept in ``values["text"]``
    and shown as they are: there is no catalogue to translate them with.
    """

    code: str | None
    values: dict[str, Value] = field(default_factory=dict)

    @classmethod
    def verbatim(cls, text: str) -> Reason:
        """Words that are not ours to translate."""
        return cls(None, {"text": text})

    def __str__(self) -> str:
        """In English: for logs, the command line and ``last_error``."""
        if self.code is None:
            return str(self.values["text"])
        return MESSAGES[self.code] % {name: str(value) for name, value in self.values.items()}

    def translated(self) -> str:
        """In the language of the current request (the deployment's default outside one)."""
        if self.code is None:
            return str(self.values["text"])
        values = {name: _translated(value) for name, value in self.values.items()}
        return gettext(MESSAGES[self.code], **values)

    def stored(self) -> str | None:
        """The JSON kept in ``last_reason``; None for words that are not ours (the text alone says it)."""
        return None if self.code is None else json.dumps(self._tree(), separators=(",", ":"))

    def _tree(self) -> dict[str, Any]:
        values = {name: value._tree() if isinstance(value, Reason) else value for name, value in self.values.items()}
        return {"code": self.code, "values": values}


def _translated(value: Value) -> str:
    return value.translated() if isinstance(value, Reason) else value


def _from_tree(tree: dict[str, Any]) -> Reason | None:
    if tree["code"] not in MESSAGES:  # a code this version no longer has
        return None
    values: dict[str, Value] = {}
    for name, value in tree["values"].items():
        inner = _from_tree(value) if isinstance(value, dict) else value
        if inner is None:
            return None
        values[name] = inner
    return Reason(tree["code"], values)


def shown(last_error: str | None, last_reason: str | None) -> str | None:
    """What staff read for an outbox row's failure: its reason in their language when it has a code
    this version knows, else the words stored (older rows, apprise's own words, a retired code)."""
    reason = _from_tree(json.loads(last_reason)) if last_reason else None
    return last_error if reason is None else reason.translated()

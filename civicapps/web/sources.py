"""The data an instance shows residents, with licences and credits, for the /about page.

Open data licences (the OGL, ODbL) require the credit to be shown where the data is used; each plugin
names what it uses through the ``register_data_sources`` hook, so the page is complete without the
council writing it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class DataSource:
    """One source of data the instance uses, as residents should see it credited.

    ``attribution`` is the exact credit the licence asks for ("Contains OS data © Crown copyright
    and database right 2014."); ``url`` links to the source or its licence. ``name`` and ``licence``
    may be ``lazy_gettext`` strings, shown in the language of each page.
    """

    name: str | LazyString
    licence: str | LazyString
    attribution: str
    url: str = ""


def data_sources(app: Flask) -> list[tuple[str, DataSource]]:
    """Every plugin's sources, as (plugin name, source), in plugin order without repeats."""
    seen: set[DataSource] = set()
    listed = []
    for plugin, sources in app.extensions["civicapps"].registry.call_each("register_data_sources", app=app).items():
        for source in sources or ():
            if source not in seen:
                seen.add(source)
                listed.append((plugin, source))
    return listed

"""Each configured app's feed, built from its table so staff write the source once."""

from __future__ import annotations

from civicapps import Feed
from civicapps_dataset_apps.settings import AppConfig


def app_feed(name: str, config: AppConfig) -> Feed:
    """The core feed that fills app ``name``: named after the app, into ``dataset_apps.item``.

    ``authority`` is the app's name (records are keyed by app and reference) and the app's fields are
    kept together in ``record``; everything else is the app's ``feed`` table as written.
    """
    source = config.feed
    return Feed(
        name=name,
        dataset="dataset_apps.item",
        url=source.url,
        format=source.format,
        interval=source.interval,
        failing_after=source.failing_after,
        location=source.location,
        options=source.options,
        enabled=source.enabled,
        mapping={"authority": {"value": name}, "reference": config.reference, "record": {"object": config.fields}},
    )

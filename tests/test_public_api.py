"""civicapps.__all__ is exactly the public API (tests/test_docs.py checks that each name is documented)."""
import ast
import inspect
from pathlib import Path

import pytest

import civicapps

PUBLIC_API = {
    "Actor",
    "CivicappsError",
    "ConfiguredApp",
    "DataSource",
    "Dataset",
    "Feed",
    "Link",
    "Location",
    "Place",
    "Item",
    "Job",
    "Message",
    "Model",
    "PluginSettings",
    "QueryError",
    "RateLimit",
    "RecordsIngested",
    "RawRecord",
    "Reader",
    "ReaderError",
    "Record",
    "StartupError",
    "Topic",
    "UTCDateTime",
    "__version__",
    "app_enabled",
    "announce_records_ingested",
    "claim_due",
    "create_app",
    "csv_dict_writer",
    "csv_writer",
    "current_actor",
    "db_session",
    "distances_m",
    "enqueue_job",
    "find_streets",
    "forget_messages",
    "geocode",
    "hookimpl",
    "http_session",
    "import_streets",
    "messages_to",
    "openapi_parameters",
    "parse_id",
    "plugin_settings",
    "read_query",
    "safe_next",
    "send_message",
    "staff_required",
    "streets_near",
    # feeds, for plugins that pull, report on and read the history of their own feeds
    "FeedHealth",
    "PastVersion",
    "PullResult",
    "Source",
    "feed_health",
    "load_json",
    "object_records",
    "past_versions",
    "pull_feed",
    "pull_feeds_command",
    "to_wgs84",
    "AlertChannel",
    "PlaceNotFound",
    "SubscribedPlace",
    "SubscriptionRequest",
    "alert_channels",
    "base_url",
    "csrf_exempt",
    "error_response",
    "external_url",
    "locate_place",
    "normalise_email",
    "postcode_in",
    "sign",
    "subscribe",
    "subscribed_keys",
    "subscribed_places",
    "subscriber_count",
    "unsign",
    "utcnow",
    # translation, for plugins' own strings in Python (templates use _() and {% trans %})
    "_",
    "gettext",
    "lazy_gettext",
    "ngettext",
    # a resident's language, kept with their data, and messages to them composed in it
    "current_language",
    "external_url_in_language",
    "in_language",
}


def test_all_is_exactly_the_public_api():
    assert set(civicapps.__all__) == PUBLIC_API
    assert len(civicapps.__all__) == len(PUBLIC_API), "no duplicates in __all__"


def test_every_public_name_exists_and_nothing_else_is_public():
    # dir(), not vars(): names are imported on first use, so vars() holds only those used so far.
    values = {name: getattr(civicapps, name) for name in dir(civicapps)}
    module_attrs = {name for name in values if not name.startswith("_")}
    submodules = {name for name, value in values.items() if inspect.ismodule(value)}
    assert module_attrs - submodules == PUBLIC_API - {"__version__", "_"}  # "_" is public though underscored


def test_the_listing_is_one_explicit_re_export_per_line():
    """What the lazy loader reads is what type checkers read: ``from civicapps.x import y as y``, one per line."""
    tree = ast.parse(Path(civicapps.__file__).read_text(encoding="utf-8"))
    (block,) = [
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "typing.TYPE_CHECKING"
    ]
    assert not block.orelse
    for statement in block.body:
        line = ast.unparse(statement)
        assert isinstance(statement, ast.ImportFrom) and len(statement.names) == 1, line
        (alias,) = statement.names
        assert statement.module.startswith("civicapps.") and alias.asname == alias.name, line
    assert len(block.body) == len(PUBLIC_API - {"__version__"})


def test_a_name_is_imported_on_first_use_and_then_kept():
    assert civicapps.utcnow is civicapps.clock.utcnow and vars(civicapps)["utcnow"] is civicapps.utcnow
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        civicapps.no_such_name  # noqa: B018

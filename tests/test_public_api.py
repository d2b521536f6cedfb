"""civicapps.__all__ is exactly the public API (tests/test_docs.py checks that each name is documented)."""
import inspect

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
}


def test_all_is_exactly_the_public_api():
    assert set(civicapps.__all__) == PUBLIC_API
    assert len(civicapps.__all__) == len(PUBLIC_API), "no duplicates in __all__"


def test_every_public_name_exists_and_nothing_else_is_public():
    module_attrs = {name for name in vars(civicapps) if not name.startswith("_")}
    submodules = {name for name, value in vars(civicapps).items() if inspect.ismodule(value)}
    assert module_attrs - submodules == PUBLIC_API - {"__version__", "_"}  # "_" is public though underscored


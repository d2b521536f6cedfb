"""civicapps: a host for small civic apps that councils switch on and residents use.

This module is the whole public API; plugins import only from here. Everything else may change.

Each public name is imported when it is first used (PEP 562), so ``import civicapps`` and the
``civicapps`` command start without loading SQLAlchemy, numpy, shapely, pyproj, apprise or
Flask-Babel for names they never touch. The ``if typing.TYPE_CHECKING:`` block below is the one
listing of the public API: type checkers and IDEs read it as ordinary imports, and at run time
:mod:`civicapps.lazy_imports` reads the same lines back to import each name on first use.
``__all__`` is that listing plus ``__version__``.

To add a public name, add one line to the block, where ruff's import sorting puts it::

    from civicapps.some_module import some_name as some_name
"""
import typing

from civicapps import lazy_imports

if typing.TYPE_CHECKING:
    from civicapps.app import create_app as create_app
    from civicapps.app import plugin_settings as plugin_settings
    from civicapps.app_switches import ConfiguredApp as ConfiguredApp
    from civicapps.app_switches import app_enabled as app_enabled
    from civicapps.auth import Actor as Actor
    from civicapps.auth import current_actor as current_actor
    from civicapps.auth import staff_required as staff_required
    from civicapps.claims import claim_due as claim_due
    from civicapps.clock import UTCDateTime as UTCDateTime
    from civicapps.clock import utcnow as utcnow
    from civicapps.csv_export import csv_dict_writer as csv_dict_writer
    from civicapps.csv_export import csv_writer as csv_writer
    from civicapps.db import Model as Model
    from civicapps.db import db_session as db_session
    from civicapps.email_addresses import normalise_email as normalise_email
    from civicapps.errors import CivicappsError as CivicappsError
    from civicapps.errors import StartupError as StartupError
    from civicapps.events import RecordsIngested as RecordsIngested
    from civicapps.events import announce_records_ingested as announce_records_ingested
    from civicapps.feeds.cli import pull_feeds_command as pull_feeds_command
    from civicapps.feeds.datasets import Dataset as Dataset
    from civicapps.feeds.datasets import Record as Record
    from civicapps.feeds.errors import ReaderError as ReaderError
    from civicapps.feeds.health import FeedHealth as FeedHealth
    from civicapps.feeds.health import feed_health as feed_health
    from civicapps.feeds.history import PastVersion as PastVersion
    from civicapps.feeds.history import past_versions as past_versions
    from civicapps.feeds.pull import PullResult as PullResult
    from civicapps.feeds.pull import pull_feed as pull_feed
    from civicapps.feeds.readers import RawRecord as RawRecord
    from civicapps.feeds.readers import Reader as Reader
    from civicapps.feeds.readers import Source as Source
    from civicapps.feeds.readers import object_records as object_records
    from civicapps.feeds.readers.json_reader import load_json as load_json
    from civicapps.feeds.registry import Feed as Feed
    from civicapps.geo.geocoding import geocode as geocode
    from civicapps.geo.geocoding import postcode_in as postcode_in
    from civicapps.geo.locate import PlaceNotFound as PlaceNotFound
    from civicapps.geo.locate import locate_place as locate_place
    from civicapps.geo.postcodes import Location as Location
    from civicapps.geo.projection import distances_m as distances_m
    from civicapps.geo.projection import to_wgs84 as to_wgs84
    from civicapps.geo.streets import Place as Place
    from civicapps.geo.streets import find_streets as find_streets
    from civicapps.geo.streets import import_streets as import_streets
    from civicapps.geo.streets import streets_near as streets_near
    from civicapps.http import http_session as http_session
    from civicapps.i18n import _ as _
    from civicapps.i18n import current_language as current_language
    from civicapps.i18n import external_url_in_language as external_url_in_language
    from civicapps.i18n import gettext as gettext
    from civicapps.i18n import in_language as in_language
    from civicapps.i18n import lazy_gettext as lazy_gettext
    from civicapps.i18n import ngettext as ngettext
    from civicapps.jobs import Job as Job
    from civicapps.jobs import enqueue_job as enqueue_job
    from civicapps.limits import RateLimit as RateLimit
    from civicapps.notify.alert_forms import AlertChannel as AlertChannel
    from civicapps.notify.alert_forms import alert_channels as alert_channels
    from civicapps.notify.alert_forms import subscribe as subscribe
    from civicapps.notify.direct import forget_messages as forget_messages
    from civicapps.notify.direct import messages_to as messages_to
    from civicapps.notify.direct import send_message as send_message
    from civicapps.notify.render import Message as Message
    from civicapps.notify.subscriber_stats import SubscribedPlace as SubscribedPlace
    from civicapps.notify.subscriber_stats import subscribed_keys as subscribed_keys
    from civicapps.notify.subscriber_stats import subscribed_places as subscribed_places
    from civicapps.notify.subscriber_stats import subscriber_count as subscriber_count
    from civicapps.notify.topics import Item as Item
    from civicapps.notify.topics import Topic as Topic
    from civicapps.notify.validation import SubscriptionRequest as SubscriptionRequest
    from civicapps.plugins import hookimpl as hookimpl
    from civicapps.settings import PluginSettings as PluginSettings
    from civicapps.signing import sign as sign
    from civicapps.signing import unsign as unsign
    from civicapps.web.absolute_urls import base_url as base_url
    from civicapps.web.absolute_urls import external_url as external_url
    from civicapps.web.csrf import csrf_exempt as csrf_exempt
    from civicapps.web.edge_input import parse_id as parse_id
    from civicapps.web.links import Link as Link
    from civicapps.web.query_params import QueryError as QueryError
    from civicapps.web.query_params import openapi_parameters as openapi_parameters
    from civicapps.web.query_params import read_query as read_query
    from civicapps.web.redirects import safe_next as safe_next
    from civicapps.web.shell import error_response as error_response
    from civicapps.web.sources import DataSource as DataSource

__version__ = "0.1.0"


_PUBLIC = lazy_imports.listed_names(__file__)
__all__ = sorted([*_PUBLIC, "__version__"])

if not typing.TYPE_CHECKING:  # hidden from type checkers, which would take every misspelt name for Any
    __getattr__ = lazy_imports.attribute_loader(globals(), _PUBLIC)


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})

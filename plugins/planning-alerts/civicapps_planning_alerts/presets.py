"""Feed presets: the common shapes of planning data, so a council's config entry is a few lines.

Each preset is a mapping builder: it returns the ``format``, ``options``, ``mapping`` and ``location``
of an ordinary :class:`civicapps.Feed` for the dataset ``planning_alerts.application``. A council
writes::

    [plugins.planning_alerts.feeds.camden]
    preset = "planit"
    url = "https://www.planit.org.uk/api/applics/json?auth=Camden&recent=14&pg_sz=500"

and the feed is checked and pulled by the core like any ``[feeds.<name>]`` table. ``mapping``,
``location`` and ``options`` in the entry override single keys of the preset's. ``civicapps
planning-alerts presets NAME`` prints a preset's expansion as a ``[feeds.<name>]`` TOML table
(:meth:`civicapps.Feed.as_toml`) that civicapps.toml and ``civicapps pull --mapping`` both accept as
printed, for a council whose data needs more than overrides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from civicapps import Feed, StartupError
from civicapps_planning_alerts.models import DATASET
from civicapps_planning_alerts.settings import PresetFeed

Spec = dict[str, Any]


@dataclass(frozen=True)
class Preset:
    """A known shape of planning data: its formats and how to build a feed for one of them."""

    name: str
    title: str
    formats: tuple[str, ...]
    build: Callable[[PresetFeed, str], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]
    needs_authority: bool = False  # the source does not name the council on each row
    readers: Mapping[str, str] = field(default_factory=dict)  # a format's own reader, e.g. paging JSON

    def feed(self, name: str, config: PresetFeed) -> Feed:
        fmt = config.format or self.formats[0]
        if fmt not in self.formats:
            raise StartupError(
                f"[plugins.planning_alerts.feeds.{name}]: preset {self.name!r} reads"
                f" {', '.join(self.formats)}, not {fmt!r}."
            )
        if self.needs_authority and not config.authority:
            raise StartupError(
                f'[plugins.planning_alerts.feeds.{name}]: preset {self.name!r} needs authority = "<council name>".'
            )
        mapping, location, options = self.build(config, fmt)
        return Feed(
            name=name,
            dataset=DATASET,
            url=config.url,
            format=self.readers.get(fmt, fmt),
            interval=config.interval,
            failing_after=config.failing_after,
            enabled=config.enabled,
            authority=config.authority,
            mapping={**mapping, **config.mapping},
            location={**location, **config.location},
            options={**options, **config.options},
        )


def _authority(column: str, config: PresetFeed) -> Spec:
    """The council from each row, or the configured one when a row leaves it blank."""
    spec: Spec = {"column": column}
    if config.authority:
        spec["default"] = config.authority
    return spec


def _planningalerts(config: PresetFeed, fmt: str) -> tuple[Spec, Spec, Spec]:
    """The PlanningAlerts/morph.io scraper contract (``council_reference`` ... ``on_notice_to``)."""
    mapping = {
        "authority": _authority("authority_label", config),
        "reference": "council_reference",
        "description": {"column": "description", "squash": True},
        "address": {"column": "address", "squash": True},
        "postcode": {"column": "address", "extract": "postcode"},
        "info_url": "info_url",
        "comment_url": "comment_url",
        "date_received": "date_received",
        "consultation_end": "on_notice_to",
    }
    # Scrapers rarely give coordinates: the address (its postcode) is geocoded, as PlanningAlerts does.
    location = {"latitude": "lat", "longitude": "lng", "address": {"field": "address"}}
    return mapping, location, {}


def _planning_data(config: PresetFeed, fmt: str) -> tuple[Spec, Spec, Spec]:
    """planning.data.gov.uk's ``planning-application`` dataset (entity.json, CSV or GeoJSON)."""
    mapping: Spec = {
        "authority": {"value": config.authority} if config.authority else {"column": "organisation-entity"},
        "reference": "reference",
        "description": {"column": "description", "squash": True},
        "address": {"column": "address-text", "squash": True},
        "postcode": {"column": "address-text", "extract": "postcode"},
        "info_url": "documentation-url",
        "date_received": "start-date",
        "application_type": "planning-application-type",
        "status": "planning-application-status",
        "decision": "planning-decision",
        "decision_date": "decision-date",
    }
    location: Spec = {"postcode": {"field": "postcode"}}
    if fmt != "geojson":  # GeoJSON features carry the geometry themselves
        mapping["site"] = "geometry"
        location["wkt"] = "point"
    return mapping, location, {}


def _planit(config: PresetFeed, fmt: str) -> tuple[Spec, Spec, Spec]:
    """PlanIt's ``/api/applics/json`` (records with ``other_fields``, WGS84 ``location_x/y``)."""
    mapping = {
        "authority": _authority("area_name", config),
        "reference": "uid",
        "description": {"column": "description", "squash": True},
        "address": {"column": "address", "squash": True},
        "postcode": {"column": "postcode", "extract": "postcode"},
        "local_area": "other_fields.ward_name",
        "info_url": "url",
        "comment_url": "other_fields.comment_url",
        "date_received": "start_date",
        "date_validated": "other_fields.date_validated",
        "consultation_end": "other_fields.consultation_end_date",
        "application_type": "app_type",
        "status": "app_state",
        "decision": "other_fields.decision",
        "decision_date": "decided_date",
    }
    location = {"latitude": "location_y", "longitude": "location_x", "postcode": {"field": "postcode"}}
    return mapping, location, {"records": "records"} if fmt == "json" else {}


def _lga(config: PresetFeed, fmt: str) -> tuple[Spec, Spec, Spec]:
    """The LGA/iStandards PlanningApplications schema: CSV with GeoX/GeoY, dates dd/mm/yyyy."""
    mapping = {
        "authority": _authority("OrganisationLabel", config),
        "reference": "CaseReference",
        "description": {"column": "CaseText", "squash": True},
        "address": {"column": "LocationText", "squash": True},
        "postcode": {"column": "LocationText", "extract": "postcode"},
        "local_area": "GeoAreaLabel",
        "info_url": "CaseURL",
        "date_received": "CaseDate",
        "consultation_end": "PublicConsultationEndDate",
        "application_type": "ServiceTypeLabel",
        "status": "Status",
        "decision": "Decision",
        "decision_date": "DecisionDate",
    }
    location = {"x": "GeoX", "y": "GeoY", "crs": config.crs or "EPSG:27700", "postcode": {"field": "postcode"}}
    return mapping, location, {}


def _easting_northing(config: PresetFeed, fmt: str) -> tuple[Spec, Spec, Spec]:
    """A council's own CSV with British National Grid easting/northing; rename columns in ``mapping``."""
    mapping = {
        "reference": "reference",
        "description": {"column": "description", "squash": True},
        "address": {"column": "address", "squash": True},
        "postcode": {"column": "address", "extract": "postcode"},
        "info_url": "url",
        "date_received": "received",
        "application_type": "type",
        "status": "status",
        "decision": "decision",
        "decision_date": "decision_date",
    }
    location = {"x": "easting", "y": "northing", "crs": config.crs or "EPSG:27700", "postcode": {"field": "postcode"}}
    return mapping, location, {}


#: The Isle of Man's application types: the letters after the last "/" of each reference.
IOM_TYPES = {
    "A": "Approval in principle",
    "B": "Full planning application",
    "C": "Change of use",
    "CON": "Registered building consent",
    "D": "Advertisement consent",
    "GB": "Full planning and registered building consent",
    "REM": "Reserved matters",
    "LAW": "Certificate of lawful use or development",
}

#: City of York Council's application types (``DCAPPTYP``), worded from its own descriptions.
YORK_TYPES = {
    "FUL": "Full planning permission",
    "FULM": "Full planning permission (major)",
    "OUT": "Outline planning permission",
    "REM": "Reserved matters",
    "REMM": "Reserved matters (major)",
    "PIP": "Permission in principle",
    "LBC": "Listed building consent",
    "ADV": "Advertisement consent",
    "TCA": "Works to trees in a conservation area",
    "TPO": "Works to protected trees",
    "TCNOT": "Telecoms equipment notice",
    "TCMAS": "Telecoms mast prior approval",
    "OHL": "Overhead line notice",
    "NONMAT": "Non-material amendment",
    "CLU": "Lawful use certificate (existing)",
    "CLD": "Lawful development certificate (existing)",
    "CPD": "Lawful development certificate (proposed)",
    "CPU": "Lawful use certificate (proposed)",
    "LHE": "Larger home extension prior approval",
    "PAAA": "Additional storey prior approval",
    "AGNOT": "Agricultural building notice",
    "ABC3": "Farm building to home prior approval",
    "ERC": "Shop or office to home prior approval",
    "SOLAR": "Solar panels prior approval",
    "DMNOT": "Demolition notice",
    "GRG3": "Permitted development check",
    "HH": "High hedge complaint",
}

#: City of York Council's status and decision codes (``DCSTAT``, ``DECSN``).
YORK_STATUSES = {
    "REC": "Received",
    "INSFEE": "Waiting for the fee",
    "INV": "Invalid: more information needed",
    "PCO": "Open for comments",
    "PDE": "Waiting for a decision",
    "PER": "Approved",
    "HAPP": "Approved",
    "AR": "Approved",
    "AWC": "Approved",
    "GR3": "Approved",
    "RC": "Approved",
    "CER": "Certificate issued",
    "PERLHE": "Prior approval not needed",
    "NOB": "No objection",
    "NOC": "Consent granted",
    "REF": "Refused",
    "HREF": "Refused",
    "REFLHE": "Prior approval refused",
    "OBJ": "Objection raised",
    "OBJLHE": "Objection raised",
    "WDN": "Withdrawn",
    "INVNOD": "Closed without a decision",
    "LBC": "Listed building consent granted",
    "HH": "High hedge decided",
}


def _york(config: PresetFeed, fmt: str) -> tuple[Spec, Spec, Spec]:
    """City of York Council's planning applications layer (York Open Data): WGS84 and BNG points, codes."""
    dates = ["%Y/%m/%d %H:%M:%S+00", "%Y/%m/%d"]
    mapping = {
        "authority": {"value": config.authority or "City of York Council"},
        "reference": "REFVAL",
        "description": {"column": "PROPOSAL", "squash": True},
        "application_type": {"column": "DCAPPTYP", "labels": YORK_TYPES},
        "status": {"column": "DCSTAT", "labels": YORK_STATUSES},
        "decision": {"column": "DECSN", "labels": YORK_STATUSES},
        "date_received": {"column": "DATEAPRECV", "format": dates},
        "date_validated": {"column": "DATEAPVAL", "format": dates},
    }
    return mapping, {"latitude": "LATITUDE", "longitude": "LONGITUDE"}, {}


#: Both spellings of the Isle of Man lists: the weekly raw files and the collected output.
_IOM_REFERENCE = ["PA Ref", "Application Number"]


def _isle_of_man(config: PresetFeed, fmt: str) -> tuple[Spec, Spec, Spec]:
    """The Isle of Man Government's weekly lists: the site and postcode are inside ``Details``."""
    mapping = {
        "authority": {"value": config.authority or "Isle of Man Government"},
        "reference": {"columns": _IOM_REFERENCE},
        "description": {"column": "Details", "replace": {"\\n": " "}, "squash": True},
        "postcode": {"column": "Details", "replace": {"\\n": " "}, "extract": "postcode"},
        "local_area": {"column": "Local Authority", "case": "title"},
        "application_type": {"columns": _IOM_REFERENCE, "regex": r"/([A-Z]+)$", "labels": IOM_TYPES},
        "date_received": {"column": "Date", "format": "%d %b %Y"},
        "info_url": "URL",
    }
    return mapping, {"postcode": {"field": "postcode"}}, {}


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("planningalerts", "PlanningAlerts / morph.io scraper output", ("json", "csv"), _planningalerts),
        Preset(
            "planning_data",
            "planning.data.gov.uk planning-application",
            ("json", "geojson", "csv"),
            _planning_data,
            readers={"json": "planning_data_json"},  # entity.json pages through links.next
        ),
        Preset("planit", "PlanIt applics", ("json",), _planit),
        Preset("lga", "LGA PlanningApplications schema (GeoX/GeoY)", ("csv",), _lga),
        Preset("easting_northing", "CSV with easting/northing", ("csv",), _easting_northing, needs_authority=True),
        Preset("isle_of_man", "Isle of Man Government weekly lists", ("csv",), _isle_of_man),
        Preset("york", "City of York Council planning applications (York Open Data)", ("csv",), _york),
    )
}


def preset_feeds(feeds: dict[str, PresetFeed]) -> list[Feed]:
    """The ``[plugins.planning_alerts.feeds.*]`` entries as core feeds; unknown presets stop startup."""
    built = []
    for name, config in feeds.items():
        preset = PRESETS.get(config.preset)
        if preset is None:
            raise StartupError(
                f"[plugins.planning_alerts.feeds.{name}]: unknown preset {config.preset!r};"
                f" known: {', '.join(PRESETS)}."
            )
        built.append(preset.feed(name, config))
    return built

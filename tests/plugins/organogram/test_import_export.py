"""A data.gov.uk pair goes in, shows as a chart, and comes back out the same; Popolo and Open Referral UK
exports are valid against their schemas."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from pathlib import Path

from civicapps_organogram.chart import BOX_W
from civicapps_organogram.models import Membership, Person, Post
from flask import Flask
from jsonschema import Draft3Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3
from sqlalchemy import select

from civicapps import db_session
from civicapps.testing import CivicRunner

from .conftest import FIXTURES, JUNIOR, SENIOR, import_fixture

POPOLO = {path.stem: json.loads(path.read_text()) for path in (FIXTURES / "popolo").glob("*.json")}
REGISTRY = Registry().with_resources(
    (schema["id"], Resource.from_contents(schema, DRAFT3)) for schema in POPOLO.values()
)
COLLECTIONS = {"organizations": "organization", "posts": "post", "persons": "person", "memberships": "membership"}


def popolo_problems(document: dict) -> list[str]:
    """Every way ``document`` breaks the Popolo schemas, as "collection[i]: message"."""
    problems = []
    for collection, schema in COLLECTIONS.items():
        validator = Draft3Validator(POPOLO[schema], registry=REGISTRY, format_checker=FormatChecker())
        for index, item in enumerate(document.get(collection, [])):
            problems += [f"{collection}[{index}]: {error.message}" for error in validator.iter_errors(item)]
    return problems


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_pair_round_trips_through_the_web_export(app: Flask) -> None:
    import_fixture(app)
    client = app.test_client()
    senior = client.get("/organogram/groups/1/organogram-senior.csv")
    junior = client.get("/organogram/groups/1/organogram-junior.csv")
    assert senior.status_code == junior.status_code == 200
    assert senior.headers["Content-Disposition"] == 'attachment; filename="organogram-1-senior.csv"'
    assert parsed(senior.get_data(as_text=True)) == parsed(SENIOR.read_text(encoding="utf-8"))
    assert parsed(junior.get_data(as_text=True)) == parsed(JUNIOR.read_text(encoding="utf-8"))


def test_export_command_writes_the_pair_byte_for_byte(app: Flask, tmp_path: Path) -> None:
    import_fixture(app)
    result = CivicRunner(app).invoke(
        ["organogram", "export", "Office for Neighbourhood Renewal", "--format", "organogram-csv", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "office-for-neighbourhood-renewal-senior.csv").read_bytes() == SENIOR.read_bytes()
    assert (tmp_path / "office-for-neighbourhood-renewal-junior.csv").read_bytes() == JUNIOR.read_bytes()


def test_imported_pair_renders_as_a_chart(app: Flask) -> None:
    import_fixture(app)
    html = app.test_client().get("/organogram/groups/1").get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count(f'<rect width="{BOX_W}"') == 18  # 19 posts (one a job share of two rows), less the eliminated one
    assert ">Chief Executive</text>" in svg and ">Alison Grey</text>" in svg
    assert ">Head of People</text>" in svg and ">Helen Price and Rosa Martin</text>" in svg  # the job share
    assert ">Deputy Director, Evaluation</text>" in svg and ">Vacant</text>" in svg
    assert ">Team: 11.5 FTE in 3 roles</text>" in svg  # ONR003's three junior rows
    assert "Head of Estates" not in svg
    standalone = app.test_client().get("/organogram/groups/1/chart.svg")
    assert standalone.mimetype == "image/svg+xml"
    assert standalone.get_data(as_text=True).startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'
    )


def test_reimport_keeps_the_history_of_who_held_a_post(app: Flask, tmp_path: Path) -> None:
    import_fixture(app)
    changed = SENIOR.read_text(encoding="utf-8").replace('"ONR002","Mark Ellis"', '"ONR002","Nadia Khan"')
    (tmp_path / "onr-senior.csv").write_text(changed, encoding="utf-8")
    result = CivicRunner(app).invoke(["organogram", "import", str(tmp_path / "onr-senior.csv"), str(JUNIOR)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        post = db_session().scalar(select(Post).where(Post.ref == "ONR002"))
        held = (
            db_session()
            .execute(
                select(Person.name, Membership.end_date)
                .join(Membership, Membership.person_id == Person.id)
                .where(Membership.post_id == post.id)
                .order_by(Membership.id)
            )
            .all()
        )
    assert [name for name, _ in held] == ["Mark Ellis", "Nadia Khan"]
    assert held[0][1] is not None and held[1][1] is None
    assert len(CivicRunner(app).invoke(["organogram", "tree"]).output.splitlines()) == 1  # same group, updated


def test_popolo_export_validates_against_the_popolo_schemas(app: Flask) -> None:
    import_fixture(app)
    document = app.test_client().get("/organogram/groups/1/popolo.json").get_json()
    assert popolo_problems(document) == []
    assert len(document["posts"]) == 19 and len(document["organizations"]) == 1
    by_ref = {post["+ref"]: post for post in document["posts"]}
    assert by_ref["ONR002"]["+reports_to_post_id"] == by_ref["ONR001"]["id"]
    assert by_ref["ONR010"]["end_date"]  # eliminated
    names = sorted(person["name"] for person in document["persons"])
    assert names == [
        "Alison Grey",
        "Daniel Okafor",
        "Grace Mensah",
        "Helen Price",
        "Mark Ellis",
        "Priya Shah",
        "Rosa Martin",
        "Samuel Reid",
        "Tom Baxter",
    ]
    undisclosed = [m for m in document["memberships"] if "person_id" not in m]
    assert len(undisclosed) == 8  # N/D holders: the post is held, nobody is named


def test_the_schemas_do_catch_a_bad_document() -> None:
    assert popolo_problems(
        {"posts": [{"id": 5, "start_date": "23/11/2026"}], "persons": [{"name": "A", "email": "nope"}]}
    ) == [
        "posts[0]: 5 is not of type 'string', 'null'",
        "posts[0]: '23/11/2026' does not match '^[0-9]{4}(-[0-9]{2}){0,2}$'",
        "persons[0]: 'nope' is not a 'email'",
    ]


def test_popolo_round_trip_through_the_commands(app: Flask, tmp_path: Path) -> None:
    import_fixture(app)
    runner = CivicRunner(app)
    result = runner.invoke(["organogram", "export", "1", "--format", "popolo", "-o", str(tmp_path / "onr.json")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(["organogram", "import", str(tmp_path / "onr.json")])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("imported 19 posts into Office for Neighbourhood Renewal (#2)\n")
    again = json.loads(runner.invoke(["organogram", "export", "2", "--format", "popolo"]).output)
    assert popolo_problems(again) == []
    first = json.loads(runner.invoke(["organogram", "export", "1", "--format", "popolo"]).output)
    live = [p for p in first["posts"] if "end_date" not in p]
    assert [(p["label"], p.get("+reports_to_post_id", "").rsplit("-", 1)[-1]) for p in live] == [
        (p["label"], p.get("+reports_to_post_id", "").rsplit("-", 1)[-1])
        for p in again["posts"]
        if p["+ref"] != "ONR010"
    ]
    assert sorted(p["name"] for p in again["persons"]) == sorted(p["name"] for p in first["persons"])


def test_popolo_import_names_the_problem(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(
        json.dumps({"organizations": [{"name": "A"}], "memberships": [{"post_id": "x"}]})
    )
    result = CivicRunner(app).invoke(["organogram", "import", str(tmp_path / "bad.json")])
    assert result.exit_code == 1
    assert 'Error: $.memberships[0].post_id "x" is not a post in this document.' in result.output


def test_open_referral_records(app: Flask) -> None:
    import_fixture(app)
    record = app.test_client().get("/organogram/groups/1/openreferral.json").get_json()
    assert {"id", "name", "description"} <= record.keys()
    assert uuid.UUID(record["id"]).version == 5
    assert record["uri"] == "http://localhost/organogram/groups/1"
    listing = app.test_client().get("/organogram/openreferral/organizations.json").get_json()
    assert [r["id"] for r in listing] == [record["id"]]
    exported = json.loads(CivicRunner(app).invoke(["organogram", "export", "1", "--format", "openreferral"]).output)
    assert exported["organizations"][0]["id"] == record["id"]  # stable between exports


def test_export_of_an_unknown_group_is_one_line(app: Flask) -> None:
    result = CivicRunner(app).invoke(["organogram", "export", "Nobody", "--format", "popolo"])
    assert result.exit_code == 1
    assert result.output == "Error: No group has the id or name 'Nobody'.\n"


def test_hostile_text_is_escaped_in_the_svg(app: Flask, tmp_path: Path) -> None:
    hostile = SENIOR.read_text(encoding="utf-8").replace('"Chief Executive"', '"<script>alert(1)</script> & Co"')
    (tmp_path / "h-senior.csv").write_text(hostile, encoding="utf-8")
    assert CivicRunner(app).invoke(["organogram", "import", str(tmp_path / "h-senior.csv"), str(JUNIOR)]).exit_code == 0
    for path in ("/organogram/groups/1", "/organogram/groups/1/chart.svg"):
        body = app.test_client().get(path).get_data(as_text=True)
        assert "<script>" not in body
        assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; Co", body)


def test_published_organogram_csvs_are_formula_safe(app: Flask) -> None:
    """Names and job titles are whatever a group typed; the public CSV must not run them in a spreadsheet."""
    from test_csv_export import FORMULAS, formula_cells

    import_fixture(app)
    with app.app_context():
        posts = db_session().scalars(select(Post).order_by(Post.id)).all()
        people = db_session().scalars(select(Person).order_by(Person.id)).all()
        for post, person, formula in zip(posts, people, FORMULAS, strict=False):
            post.role, post.unit, person.name = formula, formula, formula
        db_session().commit()
    client = app.test_client()
    for kind in ("senior", "junior"):
        text = client.get(f"/organogram/groups/1/organogram-{kind}.csv").get_data(as_text=True)
        assert formula_cells(text) == [], kind
    senior = client.get("/organogram/groups/1/organogram-senior.csv").get_data(as_text=True)
    assert "'" + FORMULAS[0] in {cell for row in parsed(senior) for cell in row}

"""Per-plugin Alembic branches: applied only on request, reported per plugin, on SQLite and PostgreSQL."""
import textwrap
from datetime import datetime

import pytest
from sqlalchemy import inspect

from civicapps import CivicappsError, hookimpl
from civicapps.db import get_database
from civicapps.migrations import status, upgrade
from civicapps.testing import CivicRunner

FIRST = '''
import sqlalchemy as sa
from alembic import op

revision = "tree_survey_0001"
down_revision = None
branch_labels = ("tree_survey",)
depends_on = None


def upgrade():
    op.create_table(
        "tree_survey_tree", sa.Column("id", sa.Integer, primary_key=True), sa.Column("species", sa.String(80))
    )


def downgrade():
    op.drop_table("tree_survey_tree")
'''

SECOND = '''
import sqlalchemy as sa
from alembic import op

revision = "tree_survey_0002"
down_revision = "tree_survey_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tree_survey_tree") as batch:
        batch.add_column(sa.Column("height_m", sa.Float))


def downgrade():
    with op.batch_alter_table("tree_survey_tree") as batch:
        batch.drop_column("height_m")
'''

BROKEN = '''
import sqlalchemy as sa
from alembic import op

revision = "tree_survey_0003"
down_revision = "tree_survey_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("tree_survey_visit", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade():
    pass
'''


class TreeSurvey:
    def __init__(self, directory):
        self.directory = directory

    @hookimpl
    def register_migrations(self):
        return self.directory


@pytest.fixture
def migrations_dir(tmp_path):
    directory = tmp_path / "tree_survey_migrations"
    directory.mkdir()
    (directory / "0001_trees.py").write_text(textwrap.dedent(FIRST))
    return directory


def tables(app):
    return set(inspect(get_database(app).engine).get_table_names())


def columns(app, table):
    return {c["name"] for c in inspect(get_database(app).engine).get_columns(table)}


def test_migrations_never_run_on_startup(civic_app_factory, migrations_dir):
    app = civic_app_factory(plugins=[("tree_survey", TreeSurvey(migrations_dir))], migrate=False)
    assert "tree_survey_tree" not in tables(app)
    states = {s.plugin: s for s in status(app)}
    assert states["tree_survey"].status == "not installed (1 migration pending)"
    assert states["core"].pending == 4


def test_plugin_branch_applies_and_is_reported(civic_app_factory, migrations_dir):
    app = civic_app_factory(plugins=[("tree_survey", TreeSurvey(migrations_dir))], migrate=False)
    runner = CivicRunner(app)
    result = runner.invoke(["db", "status"])
    assert result.exit_code == 1
    assert "tree_survey  -" in result.output and "not installed (1 migration pending)" in result.output

    result = runner.invoke(["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "tree_survey: applied 1 migration (now at tree_survey_0001)" in result.output
    assert {"tree_survey_tree", "tree_survey_alembic_version", "core_user", "core_alembic_version"} <= tables(app)

    result = runner.invoke(["db", "status"])
    assert result.exit_code == 0
    assert "tree_survey  tree_survey_0001  tree_survey_0001  up to date" in result.output


def test_a_new_revision_is_pending_until_upgraded(civic_app_factory, migrations_dir):
    app = civic_app_factory(plugins=[("tree_survey", TreeSurvey(migrations_dir))])
    (migrations_dir / "0002_height.py").write_text(textwrap.dedent(SECOND))
    assert {s.plugin: s.status for s in status(app)}["tree_survey"] == "1 migration pending"
    assert "height_m" not in columns(app, "tree_survey_tree")
    with app.app_context():
        upgrade(app, ["tree_survey"])
    assert "height_m" in columns(app, "tree_survey_tree")
    assert all(s.pending == 0 for s in status(app))


def test_failed_migration_rolls_back_and_says_so(civic_app_factory, migrations_dir):
    app = civic_app_factory(plugins=[("tree_survey", TreeSurvey(migrations_dir))])
    (migrations_dir / "0002_height.py").write_text(textwrap.dedent(SECOND))
    (migrations_dir / "0003_broken.py").write_text(textwrap.dedent(BROKEN))
    result = CivicRunner(app).invoke(["db", "upgrade"])
    assert result.exit_code == 1
    assert result.output.startswith("Database: ")
    assert "Error: Migration of plugin 'tree_survey' failed and was rolled back" in result.output
    assert "Traceback" not in result.output
    # Nothing half-written: the whole plugin upgrade was one transaction.
    assert "tree_survey_visit" not in tables(app)
    assert "height_m" not in columns(app, "tree_survey_tree")
    assert {s.plugin: s.current for s in status(app)}["tree_survey"] == ("tree_survey_0001",)


def test_each_plugin_keeps_its_own_history(civic_app_factory, migrations_dir):
    """Removing a plugin must not break the others' upgrades (a shared alembic_version would)."""
    app = civic_app_factory(plugins=[("tree_survey", TreeSurvey(migrations_dir))])
    url = app.extensions["civicapps"].db.url.render_as_string(hide_password=False)
    without = civic_app_factory(config={"database_url": url}, migrate=False)
    assert [(s.plugin, s.status) for s in status(without)] == [
        (name, "up to date") for name in ("core", "feeds", "geo", "jobs", "notify")
    ]


def test_upgrade_of_unknown_plugin_is_refused(civic_app):
    with civic_app.app_context(), pytest.raises(CivicappsError, match="No migrations for plugin\\(s\\) nope"):
        upgrade(civic_app, ["nope"])


def test_unreachable_database_is_one_line(civic_app_factory):
    app = civic_app_factory(
        config={"database_url": "postgresql+psycopg://civic:hunter2@127.0.0.1:9/civic"}, migrate=False
    )
    result = CivicRunner(app).invoke(["db", "status"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot use the database at postgresql+psycopg://civic:***@127.0.0.1:9/civic")
    assert "Check database_url" in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_revision_command_writes_an_autogenerated_script(civic_app_factory, migrations_dir):
    from sqlalchemy import String
    from sqlalchemy.orm import Mapped, mapped_column

    from civicapps import Model, UTCDateTime

    class Tree(Model):
        __tablename__ = "tree_survey_tree"
        id: Mapped[int] = mapped_column(primary_key=True)
        species: Mapped[str | None] = mapped_column(String(80))
        girth_cm: Mapped[int | None]
        surveyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    try:
        plugin = TreeSurvey(migrations_dir)
        app = civic_app_factory(plugins=[("tree_survey", plugin)])
        result = CivicRunner(app).invoke(["db", "revision", "tree_survey", "-m", "add girth"])
        assert result.exit_code == 0, result.output
        written = [p for p in migrations_dir.glob("*.py") if p.name != "0001_trees.py"]
        assert len(written) == 1
        script = written[0].read_text()
        assert "girth_cm" in script and "tree_survey_0001" in script
        assert "sa.Column('surveyed_at', sa.DateTime(timezone=True)" in script, "stored as a plain timestamp"
        assert "civicapps" not in script, "a migration does not depend on civicapps' Python types"
        assert "core_user" not in script, "a plugin's revision must not touch other plugins' tables"
    finally:
        Model.metadata.remove(Tree.__table__)

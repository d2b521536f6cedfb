"""Alembic environment shared by every plugin's migration branch.

civicapps drives Alembic from code (see civicapps.migrations): the connection, the plugin's
version table and the tables it may touch arrive in ``config.attributes``.
"""
from alembic import context

from civicapps.clock import UTCDateTime

config = context.config
connection = config.attributes["connection"]
prefix = config.attributes["table_prefix"]


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001 - Alembic's callback signature
    # A plugin's autogenerate sees only its own tables (in the models and in the database).
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = getattr(table, "name", name) if table is not None else name
    return table_name is None or (table_name.startswith(prefix) and not table_name.endswith("_alembic_version"))


def render_item(type_, obj, autogen_context):  # noqa: ANN001, ANN201 - Alembic's callback signature
    # A UTCDateTime column is stored as DateTime(timezone=True); a migration says so in plain SQLAlchemy.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


context.configure(
    connection=connection,
    target_metadata=config.attributes["target_metadata"],
    version_table=config.attributes["version_table"],
    include_object=include_object,
    render_item=render_item,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

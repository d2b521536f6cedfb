"""Alembic environment shared by every plugin's migration branch.

civicapps drives Alembic from code (see civicapps.migrations): the connection, the plugin's
version table and the tables it may touch arrive in ``config.attributes``.
"""
from alembic import context

config = context.config
connection = config.attributes["connection"]
prefix = config.attributes["table_prefix"]


def include_name(name, type_, parent_names):  # noqa: ANN001 - Alembic's callback signature
    # A plugin's autogenerate sees only its own tables, never another plugin's.
    if type_ == "table":
        return name.startswith(prefix) and not name.endswith("_alembic_version")
    return True


context.configure(
    connection=connection,
    target_metadata=config.attributes["target_metadata"],
    version_table=config.attributes["version_table"],
    include_name=include_name,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

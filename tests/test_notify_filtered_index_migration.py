"""Migration notify_0008: a partial index of the subscriptions with filters, which matching reads on
every match, so that read no longer visits every active subscription's row."""

import sqlalchemy as sa
from test_notify_item_migration import migrate

from civicapps.notify.models import ACTIVE, Subscription


def indexes(app):
    engine = app.extensions["civicapps"].db.engine
    return {i["name"] for i in sa.inspect(engine).get_indexes("notify_subscription")}


def test_the_filtered_subscriptions_index_comes_and_goes_with_the_migration(civic_app_factory):
    app = civic_app_factory()
    assert "notify_subscription_filtered" in indexes(app)
    migrate(app, "notify_0007", "downgrade")
    assert "notify_subscription_filtered" not in indexes(app)
    migrate(app, "heads", "upgrade")
    assert "notify_subscription_filtered" in indexes(app)


def test_matching_reads_filtered_subscriptions_through_it_on_sqlite(civic_app_factory):
    app = civic_app_factory()
    engine = app.extensions["civicapps"].db.engine
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner chooses by its statistics; the index's presence is tested above
    query = sa.select(Subscription.id, Subscription.filters).where(
        Subscription.topic == "planning_alerts.near", Subscription.status == ACTIVE, Subscription.filters.is_not(None)
    )
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        plan = " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "notify_subscription_filtered" in plan

"""Notifications: topics, typed channels, subscriptions, the outbox ledger and apprise delivery.

The flow is one way: records ingested -> match request -> matching (spatial or by key) -> outbox rows
-> worker claims -> render -> apprise behind the egress guard -> result recorded. The default plugin
in :mod:`civicapps.notify.plugin` wires it onto the public hooks.
"""

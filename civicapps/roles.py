"""Staff roles: what a staff account may do.

A module of its own, apart from :mod:`civicapps.auth` and its SQLAlchemy models, so that
``civicapps users ... --help`` can offer the roles without loading the database layer.
"""
from __future__ import annotations

from typing import Literal

Role = Literal["admin", "staff"]
ROLES: tuple[Role, ...] = ("admin", "staff")

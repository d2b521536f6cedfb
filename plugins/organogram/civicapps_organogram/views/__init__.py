"""The plugin's pages, files and JSON, mounted by the core at ``/organogram/``.

One blueprint, its views split by who uses them: the public (register, group pages, exports),
residents (signing in, joining, their own data), group admins, and council staff.
"""

from __future__ import annotations

from civicapps_organogram.views import account, admin, joining, public, staff  # noqa: F401 - registers the routes
from civicapps_organogram.views.blueprint import bp

__all__ = ["bp"]

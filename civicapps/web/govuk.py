"""GOV.UK Frontend in every template: its Jinja macros and its WTForms widgets, one set for the core and plugins.

The macros come from govuk-frontend-jinja (a line-for-line port of GOV.UK Frontend's Nunjucks macros,
kept in step with its releases), so any template can write
``{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}``. Form fields can
render themselves as GOV.UK components through govuk-frontend-wtf's widgets (``GovTextInput``,
``GovRadioInput``...), and ``wtforms_errors(form)`` gives ``govukErrorSummary`` its list. The styles
and scripts they need are built from the matching GOV.UK Frontend release into static/govuk/
(frontend/build.sh at the top of the repository); the page template that loads them is civicapps/base.html.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers

#: The GOV.UK Frontend release built into static/govuk/ (written there by frontend/build.sh).
GOVUK_FRONTEND_VERSION = (Path(__file__).parent / "static" / "govuk" / "VERSION").read_text().strip()
#: The template-name prefixes of the two packages, as their own documentation uses them.
GOVUK_TEMPLATE_PACKAGES = ("govuk_frontend_jinja", "govuk_frontend_wtf")


def install_govuk(app: Flask) -> None:
    """Make the GOV.UK macros and widget templates loadable after the app's own templates.

    They come last, so a council's instance/templates (or the core's) can still override a component.
    """
    packages = {name: jinja2.PackageLoader(name) for name in GOVUK_TEMPLATE_PACKAGES}
    loaders = [app.jinja_loader] if app.jinja_loader is not None else []
    app.jinja_loader = jinja2.ChoiceLoader([*loaders, jinja2.PrefixLoader(packages)])
    WTFormsHelpers(app)
    app.jinja_env.globals["govuk_frontend_version"] = GOVUK_FRONTEND_VERSION  # credited on the about page

"""The plugin's blueprint; the views live in :mod:`.pages`, :mod:`.staff` and :mod:`.reminders_page`."""

from flask import Blueprint

from civicapps_bin_collections.settings import NAME

bp = Blueprint(NAME, __name__, template_folder="templates")

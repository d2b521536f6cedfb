"""The three datasets council feeds fill: ``bin_collections.round``, ``.address`` and ``.change``."""

from __future__ import annotations

from civicapps import Dataset
from civicapps_bin_collections.checks import check_address, check_change, check_round
from civicapps_bin_collections.models import Address, Change, Round

ROUNDS = Dataset("round", Round, "Collection rounds: bin, weekday, frequency and which weeks", check=check_round)
ADDRESSES = Dataset("address", Address, "Addresses (UPRN) and the rounds that serve them", check=check_address)
CHANGES = Dataset("change", Change, "Exceptions: collections moved or cancelled (bank holidays)", check=check_change)
DATASETS = [ROUNDS, ADDRESSES, CHANGES]

"""``python -m civicapps`` runs the civicapps command."""
from civicapps.cli import main

main()

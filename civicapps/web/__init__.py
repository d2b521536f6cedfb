"""The web shell: base layout, navigation, the core pages, errors and security headers."""

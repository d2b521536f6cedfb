"""Tests of the street_reports plugin."""

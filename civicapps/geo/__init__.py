"""Geography: projections between any CRS and WGS84 (OSTN15 for British National Grid) and distances
(projection), the ``geocode`` hook (geocoding) and the postcode lookups behind its core answer
(postcode_lookup), streets, and the spatial index that matches subscriptions' areas (spatial)."""

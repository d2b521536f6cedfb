"""Geography: projections to WGS84, UK postcodes, and the geocoders behind the ``geocode`` hook."""

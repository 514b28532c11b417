"""Shared REST API machinery: every app's ``api/`` package builds on these bases.

- :mod:`.exceptions`: one JSON error shape with a machine-readable code, zh and en.
- :mod:`.filters`: the HTML lists' FilterSets through django-filter, plus ``bbox``.
- :mod:`.pagination`: cursor pages (keyset on ``id``), plain and GeoJSON.
- :mod:`.geojson`: GeoJSON features built in PostGIS from a properties serializer.
- :mod:`.viewsets`: read-only register viewsets, plain and spatial.
- :mod:`.schema`: OpenAPI documentation of errors and GeoJSON shapes.
"""

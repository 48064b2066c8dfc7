"""What the two pages (``/`` search, ``/availability`` overview) need from the server besides the
JSON API: the département and région shapes as GeoJSON for their maps (:mod:`.shapes`).

The pages themselves are HTML rendered once from templates (``ror/api/templates``) and plain ES
modules (``ror/api/static``) calling the public JSON API, so the browser does what any API client
does.
"""

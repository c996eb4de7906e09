"""The HTTP API of ``plebiscite serve``: problem details, wire models, routes, client."""

"""The bundled Japan–U.S. relations dataset, shipped as package data.

`events.yaml` and `sources/` here are links to the copies at the top of the repository, so
that the checkout keeps the layout the user asked for while an installed wheel still carries
the data.
"""

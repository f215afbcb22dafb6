"""The web app: the public site, the investigators' workspace and the JSON API.

Thin, like the CLI: views read the request, ask :mod:`civharm.services.access` whether the
person may do it, call services, and render. Nothing here decides a permission or writes a
record by itself.
"""

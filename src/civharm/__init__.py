"""civharm: civilian-harm monitoring, from allegations and testimony to a reproducible toll.

The public API is deliberately small. The pure domain vocabulary lives in
:mod:`civharm.domain`; everything that touches a database goes through
:mod:`civharm.services` after :func:`civharm.services.database.configure`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

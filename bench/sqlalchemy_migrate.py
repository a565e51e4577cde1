"""Runs sqlalchemy-migrate's command line (`migrate ...`) on Python 3.11+.

sqlalchemy-migrate 0.13 (its last release) calls inspect.getargspec, which Python 3.11
removed; this puts back the four-field form it expects, then hands over to its shell.
"""
import inspect
import sys

if not hasattr(inspect, "getargspec"):
    inspect.getargspec = lambda f: tuple(inspect.getfullargspec(f)[:4])

from migrate.versioning.shell import main

sys.exit(main())

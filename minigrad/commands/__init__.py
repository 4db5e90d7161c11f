"""The ``minigrad`` sub-commands, one module each (see :mod:`minigrad.cli`)."""

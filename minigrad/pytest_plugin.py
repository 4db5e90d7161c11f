"""pytest plugin of the conformance kit (registered through the ``pytest11`` entry point).

It imports nothing heavy at pytest start-up.
"""

"""Known conformance failures of built-in components, marked xfail (strict, so a fix
shows up as an XPASS failure and its entry here must then be removed)."""

from __future__ import annotations

import pytest

#: test id -> why the built-in component fails the kit today.
KNOWN_BUILTIN_FAILURES = {
    "callbacks-snapshot-construct": (
        "snapshot(*, every) has no default for 'every' and registers no example, so the kit cannot build it"
    ),
}


def pytest_collection_modifyitems(items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "originalname", None) != "test_builtin" or callspec is None:
            continue
        reason = KNOWN_BUILTIN_FAILURES.get(callspec.id)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))

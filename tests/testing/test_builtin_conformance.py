"""The built-in plugin through the same one line a third-party author writes."""

from minigrad.testing import conformance_tests

test_builtin = conformance_tests("builtin")

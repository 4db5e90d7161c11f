"""The conformance kit on this plugin: one test per component and check."""

from minigrad.testing import conformance_tests

test_extras = conformance_tests("extras")

"""Tests of the plugin contract and the plugin manager."""

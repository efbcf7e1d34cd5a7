"""Tests of the tool-family rule sets."""

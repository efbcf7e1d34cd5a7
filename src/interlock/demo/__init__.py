"""Built-in demonstrations: the founding incident and its variants, built in code."""

from __future__ import annotations

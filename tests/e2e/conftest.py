"""Fixtures of the end-to-end tests: Debian's headless Chromium under Playwright.

A missing ``/usr/bin/chromium`` is a skip with the way to install it, except under
``CI`` where it is a failure: the browser tests must run there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.serving import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed when the test ends."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()

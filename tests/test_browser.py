"""report.html in a real headless browser (Debian's chromium via Playwright), with no network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_sample import ARABIC_NAME, SCRIPT_NAME, build_kwargs, frames

from reconcile.report import build_report
from reconcile.write import write_outputs

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECTION_IDS = [
    "event",
    "headline",
    "contradictions",
    "single-source",
    "unidentified",
    "ambiguous",
    "problems",
    "run",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[test]')"
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="chromium is not installed (apt-get install chromium; .ci/run does this)",
)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--no-first-run",
            ],
        )
        try:
            yield b
        finally:
            b.close()


def test_report_html_offline_sections_rtl_and_no_script(browser, tmp_path: Path):
    kw = build_kwargs()
    (path,) = write_outputs(build_report(**kw), frames(kw), tmp_path, "html")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []

    def offline(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")

    assert page.title() == "Invented strike on <Example> town"
    for sid in SECTION_IDS:
        assert page.locator(f"section#{sid}").is_visible(), sid
        assert page.locator(f"section#{sid} h2").is_visible(), sid

    # Arabic text runs right-to-left; Latin text stays left-to-right
    arabic = page.locator("td", has_text="ذكر").first
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    name = page.locator("td", has_text=ARABIC_NAME).first
    assert name.evaluate("e => getComputedStyle(e).direction") == "rtl"
    latin = page.locator("td", has_text="female").first
    assert latin.evaluate("e => getComputedStyle(e).direction") == "ltr"

    # a name holding a script tag is shown as text and never runs
    shown = page.locator("#single-source td", has_text="window.__pwned").first
    assert shown.inner_text() == SCRIPT_NAME
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => document.scripts.length") == 0
    assert page.evaluate("() => document.querySelectorAll('#single-source b').length") == 0

    # the chart is drawn inline
    assert page.locator("#headline svg rect").count() >= 4
    assert page.locator("#headline svg").bounding_box()["width"] > 100

    assert blocked == [] and errors == []
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()

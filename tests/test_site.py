"""The facing-pages site (tools/build_site.py, `make site`), built into a temp dir and opened in a real browser.

The browser is the Chromium of ``utils.machine.find_browser()`` driven by Playwright's Python package, as in
tests/test_browser.py, with JavaScript switched OFF: the pages must read without it. For every pair page the test
checks that it renders both columns, that each heading and its twin start at the same height (within 4 px), that a
subsection only one notebook has shows an empty twin slot saying so, that the verdict table is there, and that no
request leaves file:// (no CDN, no web font, no MathJax). Screenshots go to artifacts/site/ (git-ignored); the
README shows docs/site.png, a compact copy of one of them.
"""

from __future__ import annotations

import time

import pytest

from tools import build_site
from utils import REPO_ROOT
from utils.course import CLAIMS, TOPICS
from utils.machine import INSTALL_HINTS, find_browser

SHOTS = REPO_ROOT / "artifacts" / "site"
ALIGN_PX = 4
PAIRS = [t for t in TOPICS if any((REPO_ROOT / "notebooks" / n).is_file() for n in t.notebooks)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    started = time.perf_counter()
    built = build_site.build(out)
    print(f"site built in {time.perf_counter() - started:.1f} s: {len(built)} pages")
    return out, built


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright's Python package is not installed: "
            "`pip install playwright==1.65.2` (never `playwright install`)"
        )
    chromium = find_browser()
    if chromium is None:
        pytest.fail(f"No Chromium-family browser found. {INSTALL_HINTS['browser']}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium,
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
            viewport={"width": 1280, "height": 800},
            java_script_enabled=False,
        )
        page = context.new_page()
        page.offsite = []
        page.on(
            "request", lambda req: None if req.url.startswith(("file://", "data:")) else page.offsite.append(req.url)
        )
        try:
            yield page
        finally:
            context.close()


def test_the_site_has_a_page_for_every_pair_that_exists_and_the_start_notebook(site):
    out, built = site
    assert PAIRS, "no pair notebooks found"
    assert set(built) == {t.number for t in PAIRS} | {"00"}
    for name in built.values():
        text = (out / name).read_text()
        for fetching in ("<script", "<link", 'src="http', "url(http", "@import"):
            assert fetching not in text, f"{name} has {fetching!r}: the pages must load nothing from elsewhere"


def test_index_lists_every_claim_with_its_verdict(site, page):
    out, built = site
    page.goto((out / "index.html").as_uri(), wait_until="load")
    rows = page.locator("table").nth(1).locator("tr").all_inner_texts()[1:]
    assert [r.split("\t")[0] for r in rows] == list(CLAIMS)
    for row in rows:
        cid, _, _, verdict, _ = row.split("\t")
        assert verdict == CLAIMS[cid].verdict, row
    for number, name in built.items():
        assert page.locator(f'a[href="{name}"]').count() >= 1, f"the landing page does not link {name}"
    page.screenshot(path=str(SHOTS / "index.png"))
    assert page.offsite == [], f"requests off this machine: {page.offsite}"


@pytest.mark.parametrize("topic", PAIRS, ids=lambda t: t.slug)
def test_pair_page_shows_twin_sections_side_by_side(site, page, topic):
    out, built = site
    page.goto((out / built[topic.number]).as_uri(), wait_until="load")
    rows = page.locator("section.row")
    assert rows.count() >= 8, f"{topic.slug}: only {rows.count()} rows"
    checked = 0
    for i in range(rows.count()):
        row = rows.nth(i)
        left, right = row.locator(".col.pytorch"), row.locator(".col.tensorflow")
        assert left.count() == right.count() == 1, f"{topic.slug}: row {i} lacks a column"
        heads = [col.locator(":scope > h1, :scope > h2, :scope > h3").first for col in (left, right)]
        if all(h.count() for h in heads):
            tops = [h.bounding_box()["y"] for h in heads]
            assert abs(tops[0] - tops[1]) <= ALIGN_PX, (
                f"{topic.slug}: '{heads[0].inner_text()}' at y={tops[0]:.0f} but its twin at y={tops[1]:.0f}"
            )
            checked += 1
        else:
            missing = row.locator(".missing")
            assert missing.count() == 1 and "only in the" in missing.inner_text(), f"{topic.slug}: row {i} is one-sided"
    assert checked >= 7, f"{topic.slug}: only {checked} twin headings side by side (the outline alone has 7)"
    verdicts = page.locator(".full table").inner_text()
    for cid in topic.claims:
        assert cid in verdicts and CLAIMS[cid].verdict in verdicts
    assert page.locator("img").count() == page.locator('img[src^="data:image/png"]').count()
    page.screenshot(path=str(SHOTS / f"{topic.number}_{topic.slug}.png"))
    first_subsection = page.locator("section.row", has=page.locator("h3")).first
    top = first_subsection.bounding_box()["y"]
    page.screenshot(
        path=str(SHOTS / f"{topic.number}_{topic.slug}_3.1.png"),
        full_page=True,
        clip={"x": 0, "y": top, "width": 1280, "height": 640},
    )
    assert page.offsite == [], f"requests off this machine: {page.offsite}"


def test_the_readme_shows_a_compact_screenshot_of_the_site():
    shot = REPO_ROOT / "docs" / "site.png"
    assert shot.is_file() and shot.stat().st_size < 150_000, "docs/site.png missing or over 150 kB"
    assert "docs/site.png" in (REPO_ROOT / "README.md").read_text()

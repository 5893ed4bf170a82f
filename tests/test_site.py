"""The facing-pages site (tools/build_site.py, `make site`), built into a temp dir and opened in a real browser.

The browser is the Chromium of ``utils.machine.find_browser()`` driven by Playwright's Python package, as in
tests/test_browser.py, with JavaScript switched OFF: the pages must read without it. For every pair page the test
checks that it renders both columns, that each heading and its twin start at the same height (within 4 px), that a
subsection only one notebook has shows an empty twin slot saying so, that the verdict table is there, and that no
request leaves file:// (no CDN, no web font, no MathJax). The Chinese pages (site/zh/) get the same checks, and a
check that Chinese renders with real glyphs (fonts-noto-cjk; no tofu boxes) and that the language switch goes to the
same page in the other language and back. Screenshots go to artifacts/site/ (git-ignored); the README shows
docs/site.png, a compact copy of one of them.
"""

from __future__ import annotations

import io
import re
import time

import pytest

from tools import build_site, zh
from utils import REPO_ROOT
from utils.course import ARTICLES, CLAIMS, TOPICS, VERDICTS_ZH
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


def test_index_names_the_releases_and_the_last_drift_report(site):
    """Issue 24: the site says which releases every verdict was measured on, and when drift was last checked."""
    out, _ = site
    for index in (out / "index.html", out / "zh" / "index.html"):
        text = index.read_text()
        assert 'class="releases"' in text and "Every verdict was measured on PyTorch" in text, index
        assert re.search(r"Last drift report: <b>\d{4}-\d{2}-\d{2}</b>", text), f"{index}: no drift report date"


def test_index_lists_every_claim_with_its_verdict(site, page):
    out, built = site
    page.goto((out / "index.html").as_uri(), wait_until="load")
    rows = page.locator("table").nth(1).locator("tr").all_inner_texts()[1:]
    assert [r.split("\t")[0] for r in rows] == list(CLAIMS)
    for row in rows:
        cid, _, text, quote, verdict, _ = row.split("\t")
        assert verdict == CLAIMS[cid].verdict, row
        assert text == CLAIMS[cid].text and quote == CLAIMS[cid].zh, f"{cid}: the paraphrase and the article's words"
    for article in ARTICLES.values():
        assert article.title_zh in page.locator("body").inner_text()
    for number, name in built.items():
        assert page.locator(f'a[href="{name}"]').count() >= 1, f"the landing page does not link {name}"
    page.screenshot(path=str(SHOTS / "index.png"))
    assert page.offsite == [], f"requests off this machine: {page.offsite}"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("topic", PAIRS, ids=lambda t: t.slug)
def test_pair_page_shows_twin_sections_side_by_side(site, page, topic, lang):
    out, built = site
    out = out / "zh" if lang == "zh" else out
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
            assert missing.count() == 1 and ("only in the" in missing.inner_text() or "只在" in missing.inner_text()), (
                f"{topic.slug}: row {i} is one-sided"
            )
    assert checked >= 7, f"{topic.slug}: only {checked} twin headings side by side (the outline alone has 7)"
    verdicts = page.locator(".full table").inner_text()
    for cid in topic.claims:
        verdict = VERDICTS_ZH[CLAIMS[cid].verdict] if lang == "zh" else CLAIMS[cid].verdict
        assert cid in verdicts and verdict in verdicts and CLAIMS[cid].zh in verdicts
    assert page.locator("img").count() == page.locator('img[src^="data:image/png"]').count()
    if lang == "zh":
        return
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


def pages(out):
    return sorted(out.glob("*.html")) + sorted((out / "zh").glob("*.html"))


def test_formulas_are_mathml_built_offline(site):
    out, built = site
    text = (out / built["02"]).read_text(encoding="utf-8")
    assert text.count("<math") >= 10, "02's formulas are not MathML"
    prose = re.sub(r"(?s)<pre.*?</pre>|<code>.*?</code>|<math.*?</math>", "", text)
    assert not re.search(r"\$[^$<>\s][^$<>]*\\[a-z]+", prose), "raw TeX left in 02's page"
    assert build_site.math_to_mathml("<p>$x^2$ and <code>$y$</code></p>") == (
        '<p><math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msup><mi>x</mi><mn>2</mn>'
        "</msup></mrow></math> and <code>$y$</code></p>"
    )


def test_every_plot_has_real_alt_text(site):
    out, _ = site
    alts = [a for p in pages(out) for a in re.findall(r'<img alt="([^"]*)"', p.read_text(encoding="utf-8"))]
    assert len(alts) >= 20
    for alt in alts:
        assert alt.lower() not in ("", "plot", "image", "figure") and len(alt) > 12, alt
    assert build_site.alt_text('ax.set_title(f"loss on {device}")', "3.2 Training") == (
        "Plot: loss on … (section: Training)"
    )


def test_setup_cells_are_folded(site):
    out, built = site
    for name in built.values():
        for folder in (out, out / "zh"):
            text = (folder / name).read_text(encoding="utf-8")
            first_code = text.index('<div class="cell">')
            assert text.rfind('<details class="setup">', 0, first_code) != -1, f"{folder.name}/{name}: setup unfolded"
            assert "中文版在 notebooks/zh/" not in text, f"{name}: the zh working-directory cell is shown"


def test_previous_next_links_walk_the_course_in_order(site):
    out, built = site
    order = [built["00"]] + [built[t.number] for t in TOPICS if t.number in built]
    for folder in (out, out / "zh"):
        for i, name in enumerate(order):
            text = (folder / name).read_text(encoding="utf-8")
            prev = re.search(r'<a rel="prev" href="([^"]+)"', text)
            nxt = re.search(r'<a rel="next" href="([^"]+)"', text)
            assert (prev[1] if prev else None) == (order[i - 1] if i else None), name
            assert (nxt[1] if nxt else None) == (order[i + 1] if i + 1 < len(order) else None), name


def test_every_page_has_a_language_switch_to_the_same_page(site):
    out, _ = site
    for path in pages(out):
        text = path.read_text(encoding="utf-8")
        target = re.search(r'<a class="lang" hreflang="[^"]+" href="([^"]+)"', text)
        assert target, f"{path.name}: no language switch"
        assert (path.parent / target[1]).resolve() == (
            (out / "zh" / path.name) if path.parent == out else (out / path.name)
        ).resolve()
        assert ('<html lang="zh-CN">' in text) == (path.parent.name == "zh")


def test_zh_page_shows_the_stale_notice_on_a_stale_cell(tmp_path, monkeypatch):
    english = zh.english("01_graphs_pytorch")
    monkeypatch.setattr(zh, "TRANSLATIONS", tmp_path)
    key = next(k for i, k, kind in zh.cell_keys(english) if k == "2/0")
    index = next(i for i, k, kind in zh.cell_keys(english) if k == key)
    (tmp_path / "01_graphs_pytorch.md").write_text(
        f"<!-- cell {key} md en={'0' * 10} -->\n## 2. 思路\n\n旧的译文。\n", encoding="utf-8"
    )
    assert english.cells[index].source.startswith("## 2.")
    html_text = "".join(p for seg in build_site.segments(zh.zh_notebook("01_graphs_pytorch"), "zh") for p in seg.parts)
    assert "译文待更新" in html_text and "旧的译文" in html_text and "尚未翻译" in html_text


def glyph(page, text: str, size: int = 48):
    """A screenshot of `text` set in the zh pages' font stack, as grey pixels."""
    from PIL import Image

    css = build_site.CSS
    page.set_content(
        f'<html lang="zh-CN"><head><style>{css}</style></head><body>'
        f'<span id="g" style="font-size:{size}px;line-height:1">{text}</span></body></html>'
    )
    return Image.open(io.BytesIO(page.locator("#g").screenshot())).convert("L")


def test_chinese_renders_with_real_glyphs_not_tofu(page):
    """With fonts-noto-cjk, each CJK character is its own glyph; without a CJK font, every one is the same
    missing-glyph box. Unassigned code points show what a box looks like here: the check can tell the two apart."""
    box_a, box_b = glyph(page, "\u0378"), glyph(page, "\u0379")  # unassigned: the missing-glyph box, twice
    assert box_a.tobytes() == box_b.tobytes(), "two missing glyphs should draw the same box"
    chars = [glyph(page, c) for c in "张量计算图"]
    assert len({c.tobytes() for c in chars}) == len(chars), (
        "Chinese characters draw identical boxes (tofu): install a CJK font, `apt-get install fonts-noto-cjk`"
    )
    assert all(c.tobytes() != box_a.tobytes() for c in chars)
    ink = [sum(c.histogram()[:128]) for c in chars]  # dark pixels
    assert min(ink) > 30, f"Chinese characters draw (almost) nothing: {ink} dark pixels"


def test_language_switch_goes_to_the_other_language_and_back(site, page):
    out, built = site
    page.goto((out / "zh" / built["01"]).as_uri(), wait_until="load")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "课程地图" in page.locator("header.top").inner_text()
    page.screenshot(path=str(SHOTS / "zh_01_graphs.png"))
    page.locator("a.lang").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/{built['01']}") and "/zh/" not in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("a.lang").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/zh/{built['01']}")
    assert page.offsite == [], f"requests off this machine: {page.offsite}"

"""The claims' Chinese quotes (utils/claims.json) are the articles' own words, and the build shows them."""

import nbformat
import pytest

from utils.course import ARTICLES, ARTICLES_DIR, CLAIMS, QUOTE_MARK, START, TOPICS, add_quotes, claims_table_markdown


def article_text(key: str) -> str:
    return (ARTICLES_DIR / f"{key}.txt").read_text(encoding="utf-8")


def test_both_articles_are_shipped_with_their_title():
    assert set(ARTICLES) == {"000", "004"}
    for key, article in ARTICLES.items():
        assert article.title_zh in article_text(key), f"{key}: its title is not in its text"
    assert ARTICLES["004"].site == "微浪网" and ARTICLES["004"].date == "2024-01-14 13:57"
    assert ARTICLES["004"].date in article_text("004")


@pytest.mark.parametrize("cid", list(CLAIMS))
def test_every_claim_quotes_its_article_verbatim(cid):
    claim = CLAIMS[cid]
    assert claim.quote_zh, f"{cid} has no Chinese quote"
    assert any(q.article == claim.article for q in claim.quote_zh), f"{cid}: no quote from its own article"
    for quote in claim.quote_zh:
        assert len(quote.zh) >= 10
        assert quote.zh in article_text(quote.article), f"{cid}: quote is not verbatim in article {quote.article}"


def test_a_changed_quote_is_caught():
    quote = CLAIMS["C1"].quote_zh[0].zh
    assert quote.replace("核心", "重要") not in article_text("000")


def test_claims_table_has_the_chinese_beside_the_english():
    table = claims_table_markdown()
    for claim in CLAIMS.values():
        row = next(line for line in table.splitlines() if line.startswith(f"| {claim.id} |"))
        assert claim.text in row and claim.zh in row


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.slug)
def test_build_adds_each_claims_quote_to_section_1_and_the_verdict_table(topic):
    for name in topic.notebooks:
        nb = add_quotes(nbformat.read(f"notebooks/{name}", as_version=4), name)
        text = {c.source.lstrip()[:6]: c.source for c in nb.cells if c.cell_type == "markdown"}
        section1, verdict = text["## 1. "], text["## 5. "]
        for cid in topic.claims:
            assert f"{QUOTE_MARK}{CLAIMS[cid].zh}" in section1, f"{name}: §1 lacks {cid}'s quote"
            assert f"| {cid}<br><small>「" in verdict, f"{name}: the verdict table lacks {cid}'s quote"
        again = add_quotes(nb, name)
        assert [c.source for c in again.cells] == [c.source for c in nb.cells], "add_quotes is not idempotent"


def test_start_notebook_gets_the_quotes_of_the_claims_it_judges():
    nb = add_quotes(nbformat.read(f"notebooks/{START}", as_version=4), START)
    assert any(QUOTE_MARK in c.source for c in nb.cells if c.cell_type == "markdown")


def test_chinese_readme_is_current_and_linked_both_ways():
    from utils.course import course_map_markdown_zh

    zh = open("README.zh-CN.md", encoding="utf-8").read()
    assert course_map_markdown_zh("notebooks/") in zh, "README.zh-CN.md's course map is stale: run `make course-map`"
    assert "](README.md)" in zh and "README.zh-CN.md" in open("README.md", encoding="utf-8").read()
    english = open("README.md", encoding="utf-8").read()
    for article in ARTICLES.values():
        assert article.title_zh in zh and article.title_zh in english
    assert ARTICLES["004"].site in english and ARTICLES["004"].date in english


def test_start_notebook_shows_the_articles_and_every_claims_own_words():
    nb = nbformat.read(f"notebooks/{START}", as_version=4)
    shown = "".join(
        "".join(o.get("data", {}).get("text/markdown", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    for article in ARTICLES.values():
        assert article.title_zh in shown, f"{START} does not show {article.id}'s title (rebuild it)"
    for claim in CLAIMS.values():
        assert claim.zh in shown, f"{START}'s claims table lacks {claim.id}'s Chinese quote (rebuild it)"

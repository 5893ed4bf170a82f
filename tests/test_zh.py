"""The Chinese edition (tools/zh.py): no translation goes stale or missing silently, terms stay consistent, and
notebooks/zh/ is what `make zh` writes from the translations."""

import shutil

import nbformat
import pytest

from tools import zh

NAMES = zh.translated()


def test_no_translation_is_stale_or_missing():
    """The stale check: lists every stale and every missing translation and fails while there is one."""
    problems = []
    for name in NAMES:
        stale, missing = zh.status(name)
        problems += [f"stale:   {s}" for s in stale] + [f"missing: {m}" for m in missing]
    assert not problems, "translations to update (python -m tools.zh check):\n" + "\n".join(problems)


def test_glossary_terms_are_used_consistently():
    misses = [m for name in NAMES for m in zh.glossary_misses(name)]
    assert not misses, "glossary terms rendered otherwise (notebooks/text/zh/glossary.tsv):\n" + "\n".join(misses)


def test_glossary_is_well_formed():
    rows = zh.glossary()
    assert len(rows) >= 40
    for term in ("tensor", "eager execution", "graph execution", "computational graph"):
        assert term in dict(rows)
    assert dict(rows)["tensor"] == "张量" and dict(rows)["eager execution"] == "即时执行"


@pytest.mark.parametrize("name", NAMES)
def test_zh_notebook_is_built_from_its_translation(name):
    built = nbformat.read(zh.OUT / f"{name}.ipynb", as_version=4)
    wanted = zh.zh_notebook(name)
    assert [(c.cell_type, c.source) for c in built.cells] == [(c.cell_type, c.source) for c in wanted.cells], (
        f"notebooks/zh/{name}.ipynb is out of date: run `make zh`"
    )
    english = zh.english(name)
    english_code = [c for c in english.cells if c.cell_type == "code"]
    zh_code = [c for c in built.cells if c.cell_type == "code" and "zh-cwd" not in c.metadata.get("tags", [])]
    assert [c.outputs for c in zh_code] == [c.outputs for c in english_code], "outputs are shared, never copied"
    assert [zh.code_tokens(c.source) for c in zh_code] == [zh.code_tokens(c.source) for c in english_code]


def test_every_zh_notebook_has_a_translation():
    assert sorted(p.stem for p in zh.OUT.glob("*.ipynb")) == NAMES


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A copy of one English notebook and its translation, where the English can be edited."""
    notebooks, translations = tmp_path / "notebooks", tmp_path / "notebooks" / "text" / "zh"
    translations.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nA tensor."),
        nbformat.v4.new_code_cell("x = 1  # one"),
        nbformat.v4.new_markdown_cell("## 2. The idea\n\nEager execution runs each op at once."),
    ]
    nbformat.write(nb, notebooks / "demo.ipynb")
    shutil.copy(zh.GLOSSARY, translations / "glossary.tsv")
    monkeypatch.setattr(zh, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(zh, "TRANSLATIONS", translations)
    monkeypatch.setattr(zh, "GLOSSARY", translations / "glossary.tsv")
    monkeypatch.setattr(zh, "OUT", notebooks / "zh")
    zh.skeleton("demo")
    path = translations / "demo.md"
    text = path.read_text(encoding="utf-8").replace(" todo -->", " -->")
    text = (
        text.replace("A tensor.", "一个张量。")
        .replace("# one", "# 一")
        .replace("Eager execution runs each op at once.", "即时执行会立刻运行每个操作。")
    )
    path.write_text(text, encoding="utf-8")
    return notebooks


def test_editing_an_english_cell_makes_its_translation_stale(sandbox):
    assert zh.status("demo") == ([], []) and zh.check() == 0
    nb = nbformat.read(sandbox / "demo.ipynb", as_version=4)
    nb.cells[2].source = "## 2. The idea\n\nEager execution runs each operation at once, in Python."
    nbformat.write(nb, sandbox / "demo.ipynb")
    stale, missing = zh.status("demo")
    assert len(stale) == 1 and "2/0 md" in stale[0] and not missing
    assert zh.check() == 1
    built = zh.zh_notebook("demo")
    assert built.cells[-1].source.startswith(zh.STALE_NOTICE) and "即时执行" in built.cells[-1].source


def test_a_new_english_cell_is_missing_and_shown_in_english_under_a_notice(sandbox):
    nb = nbformat.read(sandbox / "demo.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph."))
    nbformat.write(nb, sandbox / "demo.ipynb")
    assert zh.status("demo")[1] == ["demo cell 3 (2/1 md)"]
    assert zh.zh_notebook("demo").cells[-1].source == zh.MISSING_NOTICE + "A new paragraph."


def test_a_code_translation_may_change_comments_only(sandbox):
    path = zh.TRANSLATIONS / "demo.md"
    path.write_text(path.read_text(encoding="utf-8").replace("x = 1  # 一", "x = 2  # 一"), encoding="utf-8")
    with pytest.raises(ValueError, match="comments only"):
        zh.zh_notebook("demo")


def test_glossary_check_catches_a_term_rendered_otherwise(sandbox):
    assert zh.glossary_misses("demo") == []
    path = zh.TRANSLATIONS / "demo.md"
    path.write_text(path.read_text(encoding="utf-8").replace("一个张量。", "一个数组。"), encoding="utf-8")
    assert zh.glossary_misses("demo") == ["demo cell title/0: 'tensor' -> 张量"]
    path.write_text(path.read_text(encoding="utf-8") + "<!-- glossary-skip: tensor -->\n", encoding="utf-8")
    # the waiver sits in the last entry; the title entry is still checked
    assert zh.glossary_misses("demo") == ["demo cell title/0: 'tensor' -> 张量"]


def test_zh_links_resolve_from_the_zh_folder():
    # 01_graphs_pytorch has a translation (its link stays in zh/); zz_untranslated has none (its link goes up)
    source = "![a](images/x.png) [b](zz_untranslated.ipynb) [c](https://x.org) [d](#top) [e](01_graphs_pytorch.ipynb)"
    assert zh.relink(source) == (
        "![a](../images/x.png) [b](../zz_untranslated.ipynb) [c](https://x.org) [d](#top) [e](01_graphs_pytorch.ipynb)"
    )


@pytest.mark.parametrize("name", ["01_graphs_pytorch", "07_deployment_tensorflow", "00_start_here"])
def test_the_builds_chinese_quotes_do_not_change_the_english_hash(name):
    from utils.course import QUOTE_MARK, add_quotes, without_quotes

    quoted = add_quotes(zh.english(name), f"{name}.ipynb")  # the built notebook may carry them already
    assert any(QUOTE_MARK in c.source for c in quoted.cells), "add_quotes added nothing"
    for cell in quoted.cells:
        assert zh.en_hash(cell.source) == zh.en_hash(without_quotes(cell.source))
        assert QUOTE_MARK not in without_quotes(cell.source) and "<small>「" not in without_quotes(cell.source)

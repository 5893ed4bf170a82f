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
    assert [c.outputs for c in built.cells if c.cell_type == "code"] == [
        c.outputs for c in wanted.cells if c.cell_type == "code"
    ], f"notebooks/zh/{name}.ipynb's outputs are not the English ones as the build rewrites them: run `make zh`"
    assert len(zh_code) == len(english_code)
    for en, zh_cell in zip(english_code, zh_code):
        # same code but comments and printed strings; outputs shared, only what a translated string prints differs
        if not zh.string_changes(en.source, zh_cell.source):
            assert zh_cell.outputs == en.outputs, "outputs are shared, never copied"


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


def test_a_code_translation_may_not_change_the_code(sandbox):
    path = zh.TRANSLATIONS / "demo.md"
    path.write_text(path.read_text(encoding="utf-8").replace("x = 1  # 一", "x = 2  # 一"), encoding="utf-8")
    with pytest.raises(zh.CodeChanged, match="comments and printed string literals only"):
        zh.zh_notebook("demo")


PRINTS = (
    'ratio, where, title = 2.5, {"device": "cpu"}, "Speed ratio"\n'
    "print(f\"PyTorch ran {ratio:.1f}x faster on {where['device']}\")\n"
    'print("They agree." if ratio > 1 else "THEY DIFFER.")'
)
PRINTS_ZH = (
    'ratio, where, title = 2.5, {"device": "cpu"}, "Speed ratio"\n'
    "print(f\"PyTorch 的速度是 {ratio:.1f}x，设备：{where['device']}\")\n"
    'print("两者一致。" if ratio > 1 else "两者不一致。")'
)


@pytest.fixture
def printing(sandbox):
    """The sandbox with a code cell (no comment) whose prints carry prose, and a translation of its strings."""
    nb = nbformat.read(sandbox / "demo.ipynb", as_version=4)
    cell = nbformat.v4.new_code_cell(PRINTS)
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="PyTorch ran 2.5x faster on cpu\nThey agree.\n")
    ]
    nb.cells.append(cell)
    nbformat.write(nb, sandbox / "demo.ipynb")
    assert zh.status("demo") == ([], []), "an untranslated print cell is not missing: its entry is optional"
    path = zh.TRANSLATIONS / "demo.md"
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n<!-- cell 2/0+1 code en={zh.en_hash(PRINTS)} -->\n{PRINTS_ZH}\n",
        encoding="utf-8",
    )
    return path


def test_a_code_translation_may_translate_printed_strings_and_their_shared_outputs_follow(printing):
    assert zh.status("demo") == ([], [])
    built = zh.zh_notebook("demo")
    assert built.cells[-1].source == PRINTS_ZH
    # the field values (2.5, cpu) come from the English output, never typed by hand; the branch not taken
    # ("THEY DIFFER.") is not in the output and may still be translated
    assert built.cells[-1].outputs[0].text == "PyTorch 的速度是 2.5x，设备：cpu\n两者一致。\n"
    assert zh.english("demo").cells[-1].outputs[0].text.startswith("PyTorch ran 2.5x"), "the English is untouched"


@pytest.mark.parametrize(
    "english, chinese, error",
    [
        ("ratio > 1", "ratio >= 1", "comments and printed string literals only"),  # code
        ("{ratio:.1f}x", "{ratio:.2f}x", "comments and printed string literals only"),  # a field's format spec
        ("{where['device']}", "{where['dev']}", "the untranslated 'device' holds the same English"),  # data
        ('{"device": "cpu"}', '{"设备": "cpu"}', "the untranslated 'device' holds the same English"),
        ('"Speed ratio"', '"速度比"', "'Speed ratio' .*not in the cell's outputs"),  # a string that is not printed
        ("{ratio:.1f}x，", "{ratio:.1f}x{ratio}，", "comments and printed string literals only"),  # a new field
        ("{where['device']}\")", "{where['device']}。\")", "adds text where the English literal has none"),
    ],
)
def test_a_code_translation_may_not_change_code_or_strings_that_are_not_printed(printing, english, chinese, error):
    text = printing.read_text(encoding="utf-8")
    head, entry = text.split("<!-- cell 2/0+1")
    printing.write_text(head + "<!-- cell 2/0+1" + entry.replace(english, chinese, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        zh.zh_notebook("demo")


def test_a_translated_string_the_outputs_no_longer_print_is_refused(printing):
    nb = nbformat.read(zh.NOTEBOOKS / "demo.ipynb", as_version=4)
    nb.cells[-1].outputs[0].text = "They agree.\n"  # same code, a line lost (a verdict's branch may be missing)
    nbformat.write(nb, zh.NOTEBOOKS / "demo.ipynb")
    with pytest.raises(
        ValueError, match="'PyTorch ran {…}x faster on {…}' \\(line 2\\).* is not in the cell's outputs"
    ):
        zh.zh_notebook("demo")


def test_a_literal_printed_twice_is_rewritten_once_and_translated_one_way(sandbox):
    nb = nbformat.read(sandbox / "demo.ipynb", as_version=4)
    code = 'for n in (1, 2):\n    print(n, "traces")\nprint(3, "traces")'
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1 traces\n2 traces\n3 traces\n")]
    nb.cells.append(cell)
    nbformat.write(nb, sandbox / "demo.ipynb")
    path = zh.TRANSLATIONS / "demo.md"
    head = path.read_text(encoding="utf-8") + f"\n<!-- cell 2/0+1 code en={zh.en_hash(code)} -->\n"
    path.write_text(head + code.replace('"traces"', '"次追踪"') + "\n", encoding="utf-8")
    assert zh.zh_notebook("demo").cells[-1].outputs[0].text == "1 次追踪\n2 次追踪\n3 次追踪\n"
    path.write_text(head + code.replace('"traces"', '"次追踪"', 1) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="the untranslated 'traces' holds the same English"):
        zh.zh_notebook("demo")


@pytest.mark.parametrize(
    "code, printed, chinese, rewritten",
    [  # a value stays on its line: the earlier "step: one" is not taken for the start of the f-string's text
        (
            'print("step: one")\nprint(f"{n}: {m} graphs")',
            "step: one\n1: 2 graphs\n",
            ("{n}: {m} graphs", "{n}：{m} 个图"),
            "step: one\n1：2 个图\n",
        ),
        # the value "x: done" holds the text after it (": done"): where it ends is ambiguous, so the build refuses
        (
            'w = "x: done"\nprint(f"value {w}: done")',
            "value x: done: done\n",
            ("value {w}: done", "值 {w}：完成"),
            None,
        ),
    ],
)
def test_field_values_are_found_on_their_line_and_never_guessed(sandbox, code, printed, chinese, rewritten):
    nb = nbformat.read(sandbox / "demo.ipynb", as_version=4)
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    nb.cells.append(cell)
    nbformat.write(nb, sandbox / "demo.ipynb")
    path = zh.TRANSLATIONS / "demo.md"
    entry = f"\n<!-- cell 2/0+1 code en={zh.en_hash(code)} -->\n{code.replace(*chinese)}\n"
    path.write_text(path.read_text(encoding="utf-8") + entry, encoding="utf-8")
    if rewritten is None:
        with pytest.raises(ValueError, match="ambiguous"):
            zh.zh_notebook("demo")
    else:
        assert zh.zh_notebook("demo").cells[-1].outputs[0].text == rewritten


def test_string_changes_compares_fstrings_the_same_on_every_python():
    # Python 3.12+ tokenizes f-strings into FSTRING_START/MIDDLE/END, 3.11 as one STRING: the rule is on the AST
    en = "print(f\"{n} steps of {f'{t:.1f} s' if t else 'none'}\", \"done\")"
    zh_code = "print(f\"{n} 步，每步 {f'{t:.1f} 秒' if t else '无'}\", \"完成\")"
    changes = zh.string_changes(en, zh_code)
    assert [(e.parts, z.parts, e.conditional) for e, z in changes] == [
        (("", " s"), ("", " 秒"), True),
        (("none",), ("无",), True),
        (("", " steps of ", ""), ("", " 步，每步 ", ""), False),
        (("done",), ("完成",), False),
    ]
    with pytest.raises(zh.CodeChanged):
        zh.string_changes(en, en.replace("t:.1f", "t:.2f"))
    with pytest.raises(zh.CodeChanged):
        zh.string_changes(en, en.replace("if t else", "if not t else"))
    padded = "print(f\"{'what was checked':<30} {ok}\")"  # padded to a width: translated, it prints otherwise
    with pytest.raises(zh.CodeChanged, match="formatted by a replacement field"):
        zh.string_changes(padded, padded.replace("what was checked", "检查了什么"))


def test_skeleton_prints_adds_entries_for_print_cells_without_comments(sandbox):
    nb = nbformat.read(sandbox / "demo.ipynb", as_version=4)
    nb.cells += [nbformat.v4.new_code_cell('print("It ran.")'), nbformat.v4.new_code_cell("y = 2")]
    nbformat.write(nb, sandbox / "demo.ipynb")
    zh.skeleton("demo")
    assert zh.status("demo") == ([], []), "without --prints, a print cell gets no entry and is not missing"
    zh.skeleton("demo", prints=True)
    assert zh.status("demo") == ([], ["demo cell 3 (2/0+1 code)"]), "an added entry is missing until translated"
    assert "2/0+2" not in zh.read_entries(zh.TRANSLATIONS / "demo.md"), "a cell that prints nothing gets no entry"


def test_an_entry_whose_cell_is_gone_is_stale(printing):
    nb = nbformat.read(zh.NOTEBOOKS / "demo.ipynb", as_version=4)
    nb.cells.pop()
    nbformat.write(nb, zh.NOTEBOOKS / "demo.ipynb")
    assert zh.status("demo") == (["demo entry 2/0+1: no such cell in the English any more"], [])


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

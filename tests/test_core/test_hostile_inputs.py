"""Hostile and huge inputs: bounded, and refused with one true sentence.

Programs (size, statements, nesting), ``--expr-file``, deep ``--set`` lists,
unknown keys of any depth or size, the size limit's message, and the round
trip of a file at the size limit.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from chainrule.core import fileformat as ff
from chainrule.core.cli import main
from chainrule.core.errors import ProgramError
from chainrule.core.program import (MAX_PROGRAM_CHARS, MAX_PROGRAM_STATEMENTS, MAX_UNARY_RUN,
                                    parse_program)

NEURON = "x = -2; y = 5; z = -4\nq = x + y\nf = q * z\n"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------ programs

def test_ten_thousand_unary_minuses_get_a_true_message():
    with pytest.raises(ProgramError) as info:
        parse_program("f = " + "-" * 10_000 + "1")
    assert "10,000 signs in a row" in str(info.value)
    assert f"at most {MAX_UNARY_RUN}" in str(info.value)
    assert "()" not in str(info.value)


def test_a_few_unary_signs_are_fine():
    assert parse_program("x = 1\nf = - - - x").output


def test_a_program_too_deep_for_the_parser_says_so():
    with pytest.raises(ProgramError) as info:
        parse_program("f = " + " + ".join(["x"] * 60_000))
    assert "nested too deeply" in str(info.value)
    assert "()" not in str(info.value)


def test_a_program_over_the_size_limit_is_refused_in_one_line():
    with pytest.raises(ProgramError) as info:
        parse_program("x = 1\n" + " " * MAX_PROGRAM_CHARS)
    assert f"the limit is {MAX_PROGRAM_CHARS:,}" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_program_over_the_statement_limit_is_refused():
    with pytest.raises(ProgramError) as info:
        parse_program("x=1\n" * (MAX_PROGRAM_STATEMENTS + 1))
    assert f"{MAX_PROGRAM_STATEMENTS + 1:,} statements; the limit is" in str(info.value)


# ------------------------------------------------------------- --expr-file

def test_eval_reads_the_program_from_a_file(capsys, tmp_path):
    path = tmp_path / "neuron.txt"
    path.write_text(NEURON)
    code, out, _ = run(capsys, "eval", "--expr-file", path, "--json")
    assert code == 0
    assert json.loads(out)["value"] == -12.0


def test_eval_reads_the_program_from_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(NEURON.encode())))
    code, out, _ = run(capsys, "eval", "--expr-file", "-", "--json")
    assert code == 0
    assert json.loads(out)["nodes"]["x"]["grad"] == -4.0


def test_expr_file_takes_set_and_names_the_file_in_errors(capsys, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("f = a * 2\n")
    code, out, _ = run(capsys, "eval", "--expr-file", path, "--set", "a=3", "--json")
    assert code == 0 and json.loads(out)["value"] == 6.0
    path.write_text("f = (\n")
    code, _, err = run(capsys, "eval", "--expr-file", path)
    assert code == 1 and one_line(err).startswith(f"chainrule: {path}: ")


def test_expr_file_with_expr_or_a_graph_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(NEURON)
    code, _, err = run(capsys, "eval", "--expr-file", path, "--expr", "x = 1")
    assert code == 2 and "not several" in err


def test_expr_file_refusals_are_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "eval", "--expr-file", tmp_path / "missing.txt")
    assert code == 1 and "No such file or directory" in one_line(err)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"x = 1\xff\n")
    code, _, err = run(capsys, "eval", "--expr-file", bad)
    assert code == 1 and "not UTF-8 text" in one_line(err)


def test_a_program_larger_than_a_command_line_is_read_through_a_pipe(tmp_path):
    lines = [f"x{i} = {i}" for i in range(15_000)] + ["f = x1 * x2"]
    text = "\n".join(lines) + "\n"
    assert len(text) > 131_072             # Linux's limit on one command-line argument
    done = subprocess.run([sys.executable, "-m", "chainrule", "eval", "--expr-file", "-",
                           "--json"], input=text, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["value"] == 2.0


# ----------------------------------------------------- what we write, we read

def _wide_graph(n: int = 200):
    from chainrule.core.graph import Graph
    g = Graph()
    for i in range(n):
        g.add_node(f"x{i}", "input", value=[0.5, 1.5, 2.5], label=f"input number {i}")
    return g


def test_a_file_at_the_limit_round_trips(tmp_path, monkeypatch):
    """A file at the limit saves to a file that reads back (written compactly: the
    usual layout would be larger than the limit)."""
    graph = ff.loads(ff.dumps(_wide_graph()))           # as read: every node has a place
    compact = ff.dumps(graph, compact=True).encode("utf-8")
    usual = ff.dumps(graph).encode("utf-8")
    assert len(usual) > len(compact)
    monkeypatch.setattr(ff, "MAX_FILE_BYTES", len(compact))
    source = tmp_path / "at-limit.cgraph"
    source.write_bytes(compact)                         # exactly at the limit
    loaded = ff.load(source)
    target = tmp_path / "saved.cgraph"
    ff.save(loaded, target)
    assert target.stat().st_size <= ff.MAX_FILE_BYTES
    again = ff.load(target)
    assert ff.dumps(again) == ff.dumps(graph)


def test_a_small_file_keeps_the_readable_layout(tmp_path):
    graph = _wide_graph(3)
    ff.save(graph, tmp_path / "g.cgraph")
    assert (tmp_path / "g.cgraph").read_text() == ff.dumps(graph)


def test_a_graph_too_large_even_compact_is_refused_before_writing(tmp_path, monkeypatch):
    from chainrule.core.errors import FileFormatError
    graph = _wide_graph()
    target = tmp_path / "g.cgraph"
    target.write_text("old")
    monkeypatch.setattr(ff, "MAX_FILE_BYTES", 1000)
    with pytest.raises(FileFormatError) as info:
        ff.save(graph, target)
    assert "cannot save" in str(info.value) and "1,000 bytes" in str(info.value)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["g.cgraph"]


# ------------------------------------------------------------ deep --set lists

@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_a_deep_list_in_set_is_one_clear_sentence(capsys, depth):
    code, _, err = run(capsys, "eval", "--expr", "f = x * 2",
                       "--set", "x=" + "[" * depth + "1" + "]" * depth)
    line = one_line(err)
    assert code == 1
    assert f"lists nested {depth:,} deep; a value has at most 64 dimensions" in line
    assert "ragged" not in line


def test_a_65_deep_value_in_a_file_is_not_called_ragged():
    doc = {"format": "chainrule", "version": 1, "edges": [],
           "nodes": [{"id": "x", "op": "input", "value": json.loads("[" * 65 + "1" + "]" * 65)}]}
    from chainrule.core.errors import FileFormatError
    with pytest.raises(FileFormatError) as info:
        ff.from_dict(doc)
    assert "ragged" not in str(info.value) and "64" in str(info.value)


def test_a_value_over_the_element_limit_is_refused(monkeypatch):
    from chainrule.core import values as values_module
    from chainrule.core.errors import BadValueError
    monkeypatch.setattr(values_module, "MAX_VALUE_ELEMENTS", 10)
    with pytest.raises(BadValueError, match="value has 12 numbers; the limit is 10 in one value"):
        values_module.value_from_text("[[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 2, 3]]")


# ---------------------------------------------------------------- unknown keys

def _doc_with(extra_text: str) -> str:
    return ('{"format": "chainrule", "version": 1, "nodes": [{"id": "x", "op": "input", '
            '"value": 1, "future": ' + extra_text + '}], "edges": [], "later": '
            + extra_text + '}')


@pytest.mark.parametrize("depth", [150, 990, 5000, 200_000])
def test_deep_unknown_values_are_kept_at_every_depth(tmp_path, depth):
    deep = "[" * depth + '{"a": [1, "x]"]}' + "]" * depth
    path = tmp_path / "deep.cgraph"
    path.write_text(_doc_with(deep))
    graph = ff.load(path)
    ff.save(graph, tmp_path / "saved.cgraph")
    saved = (tmp_path / "saved.cgraph").read_text()
    assert saved.count(deep) == 2
    again = ff.load(tmp_path / "saved.cgraph")
    assert ff.dumps(again) == ff.dumps(graph)
    graph.copy()


def test_a_huge_unknown_integer_is_kept_digit_for_digit(tmp_path):
    digits = "9" * 100_000
    path = tmp_path / "big.cgraph"
    path.write_text(_doc_with(f"[{digits}, -{digits}]"))
    graph = ff.load(path)
    text = ff.dumps(graph)
    assert text.count(f"[{digits}, -{digits}]") == 2
    assert ff.dumps(ff.loads(text)) == text


@pytest.mark.parametrize("entry", ["load", "eval", "check"])
def test_every_entry_point_keeps_deep_unknown_keys(tmp_path, capsys, entry):
    path = tmp_path / "deep.cgraph"
    path.write_text(_doc_with("[" * 995 + "]" * 995))
    if entry == "load":
        assert ff.load(path).node("x").extra
    else:
        code, _, err = run(capsys, entry, path)
        assert code == 0, err


@pytest.mark.parametrize("bad", ["[1,]", "[1 2]", '{"a" 1}', "[NaN]", "[1", "[[]]]", '{"a":}'])
def test_invalid_json_deep_inside_is_still_refused_with_its_place(bad):
    from chainrule.core.errors import FileFormatError
    with pytest.raises(FileFormatError) as info:
        ff.loads(_doc_with("[" * 2000 + bad + "]" * 2000))
    assert "not valid JSON" in str(info.value)
    assert info.value.where.startswith("line 1, column ")


def test_a_graph_over_the_total_number_limit_is_refused_at_its_place(monkeypatch):
    from chainrule.core import fileformat_read
    from chainrule.core.errors import FileFormatError
    monkeypatch.setattr(fileformat_read, "MAX_GRAPH_ELEMENTS", 5)
    doc = {"format": "chainrule", "version": 1, "edges": [],
           "nodes": [{"id": "a", "op": "input", "value": [1, 2, 3]},
                     {"id": "b", "op": "input", "value": [1, 2, 3]}]}
    with pytest.raises(FileFormatError) as info:
        ff.from_dict(doc)
    assert info.value.where == "nodes[1].value"
    assert "more than 5 numbers in all" in info.value.reason

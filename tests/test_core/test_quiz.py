"""Quiz mode: parsing answers, grading, questions and score on known values."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from chainrule.core.engine import Evaluator, backward_steps
from chainrule.core.fileformat import load
from chainrule.core.graph import Edge
from chainrule.core.program import parse_program
from chainrule.core.quiz import Quiz, grade, parse_answer
from chainrule.core.stepper import Stepper

from chainrule.resources import DEMOS


@pytest.mark.parametrize("text,value", [
    ("-0.4", -0.4), ("−0.4", -0.4), ("0.4e-1", 0.04), ("1/4", 0.25), ("-3/2", -1.5),
    ("  -4 ", -4.0), ("+3", 3.0), (".5", 0.5), ("5.", 5.0), ("− 4", -4.0), ("1 / 4", 0.25),
    ("−3/−2", 1.5), ("2E3", 2000.0), ("–1", -1.0), ("inf", math.inf), ("-inf", -math.inf),
    ("−∞", -math.inf), ("0", 0.0),
])
def test_parse_answer_accepts(text, value):
    assert parse_answer(text) == value


def test_parse_answer_nan():
    assert math.isnan(parse_answer("NaN"))


@pytest.mark.parametrize("text,words", [
    ("", "type a number"), ("   ", "type a number"), ("abc", "is not a number"),
    ("1/0", "divides by zero"), ("0,5", "comma"), ("__import__('os')", "is not a number"),
    ("2*3", "is not a number"), ("1/2/3", "is not a number"), ("1e999", "too large"),
    ("1 2", "is not a number"), ("0x10", "is not a number"), ("1_000", "is not a number"),
    ("--1", "is not a number"), ("(1)", "is not a number"),
])
def test_parse_answer_refuses_with_one_sentence(text, words):
    with pytest.raises(ValueError) as info:
        parse_answer(text)
    message = str(info.value)
    assert words in message and "\n" not in message


def test_parse_answer_never_evaluates(monkeypatch):
    import builtins
    monkeypatch.setattr(builtins, "eval", None)
    monkeypatch.setattr(builtins, "exec", None)
    assert parse_answer("-3/2") == -1.5


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_answer_reads_back_any_float(x):
    assert parse_answer(repr(x)) == x
    assert parse_answer(repr(x).replace("-", "−")) == x


def test_grade():
    assert grade(-4, -4) and grade(-4, -4.03) and not grade(-4, -4.1) and not grade(-4, 4)
    assert grade(0.19661193, 0.1966) and grade(0, 0.0009) and not grade(0, 0.002)
    assert grade(1e-5, 0.0) and not grade(1e-5, 0.0, abs_tol=0)
    assert grade(math.inf, math.inf) and not grade(math.inf, -math.inf)
    assert grade(math.nan, math.nan) and not grade(math.nan, 0) and not grade(1, math.inf)
    assert grade(100, 104, rel=0.05) and not grade(100, 106, rel=0.05)


def steps_of(graph):
    evaluation = Evaluator(graph).forward()
    return evaluation, {s.node: s for s in backward_steps(evaluation, graph)}


def test_add_mul_demo_right_and_wrong():
    g = load(DEMOS / "03-add-mul.cgraph")
    ev, steps = steps_of(g)
    quiz = Quiz()
    q = quiz.ask(steps["f"], g, ev, edge=Edge("q", "f", 0))
    assert q.expected == -4 and q.node == "f"
    assert q.prompt == "What is ∂f/∂q on the wire q → f?"
    result = quiz.answer("−4")
    assert result.correct and result.expected == -4 and result.answer == -4
    assert "∂f/∂q = ∂f/∂f · ∂f/∂q = 1 · (−4) = −4" in result.rule_text
    assert "local  ∂f/∂q = z = −4" in result.rule_text
    assert quiz.score == (1, 1) and quiz.question is None

    q = quiz.ask(steps["f"], g, ev, edge=Edge("z", "f", 1))
    assert q.expected == 3
    result = quiz.answer("-3")
    assert not result.correct and result.expected == 3
    assert "∂f/∂z = ∂f/∂f · ∂f/∂z = 1 · 3 = 3" in result.rule_text
    assert quiz.score == (1, 2)

    quiz.ask(steps["q"], g, ev, edge=Edge("x", "q", 0))
    assert quiz.answer("-4.02").correct and quiz.score == (2, 3)


def test_leaves_are_asked_their_own_gradient_and_forks_show_the_sum():
    g = load(DEMOS / "05-two-layer.cgraph")
    ev, steps = steps_of(g)
    quiz = Quiz()
    q = quiz.ask(steps["x2"], g, ev)
    assert q.edge is None and q.expected == -1
    assert q.prompt == "What is ∂J/∂x2, the gradient of x2? (x2 feeds 2 wires)"
    result = quiz.answer("-2")                 # the overwrite misconception
    assert not result.correct
    assert "∂J/∂x2 = −2 (via m12) + 1 (via m22) = −1" in result.rule_text


def test_the_same_wire_twice_names_the_port():
    g = parse_program("x = 3\nf = x * x").graph
    ev, steps = steps_of(g)
    q = Quiz().ask(steps["f"], g, ev, edge=Edge("x", "f", 1))
    assert q.prompt == "What is ∂f/∂x on the wire x → f (port b)?" and q.expected == 3


def test_a_random_wire_is_one_of_the_steps_inputs_and_reproducible():
    g = load(DEMOS / "01-neuron.cgraph")
    ev, steps = steps_of(g)
    picks = {Quiz(seed=s).ask(steps["m0"], g, ev).edge for s in range(20)}
    assert picks == set(g.in_edges("m0"))
    assert Quiz(seed=7).ask(steps["m0"], g, ev) == Quiz(seed=7).ask(steps["m0"], g, ev)


def test_arrays_are_not_asked():
    g = load(DEMOS / "09-tensor-mlp.cgraph")
    ev, steps = steps_of(g)
    quiz = Quiz()
    assert quiz.ask(steps["xw1"], g, ev) is None and quiz.question is None
    # mse takes arrays but its output gradient is a scalar: still nothing scalar on its wires
    assert quiz.ask(steps["loss"], g, ev) is None


def test_a_bad_answer_keeps_the_question_open():
    g = load(DEMOS / "03-add-mul.cgraph")
    ev, steps = steps_of(g)
    quiz = Quiz()
    quiz.ask(steps["z"], g, ev)
    with pytest.raises(ValueError):
        quiz.answer("three")
    assert quiz.question is not None and quiz.score == (0, 0)
    assert quiz.answer("3").correct and quiz.score == (1, 1)
    with pytest.raises(RuntimeError):
        quiz.answer("3")
    quiz.ask(steps["z"], g, ev)
    quiz.skip()
    assert quiz.question is None and quiz.score == (1, 1)
    quiz.reset_score()
    assert quiz.score == (0, 0)


def test_a_wire_that_is_not_an_input_is_refused():
    g = load(DEMOS / "03-add-mul.cgraph")
    ev, steps = steps_of(g)
    with pytest.raises(ValueError):
        Quiz().ask(steps["f"], g, ev, edge=Edge("x", "q", 0))


def test_with_the_stepper_every_backward_step_of_the_neuron_can_be_quizzed():
    g = load(DEMOS / "01-neuron.cgraph")
    stepper = Stepper(g)
    stepper.run_forward()
    quiz = Quiz(seed=0)
    while stepper.step():
        q = quiz.ask(stepper.current, g, stepper.evaluation)
        assert q is not None
        assert quiz.answer(f"{q.expected:.4g}").correct
    assert quiz.score == (10, 10)


def test_a_question_says_which_card_an_id_is_when_the_card_shows_a_label():
    graph = load(DEMOS / "05-two-layer.cgraph")
    evaluation = Evaluator(graph).forward()
    quiz = Quiz(seed=0)
    prompts = [q.prompt for s in backward_steps(evaluation, graph)
               if (q := quiz.ask(s, graph, evaluation)) is not None]
    assert "What is ∂J/∂d on the wire d → J? (d is the card “y - t”)" in prompts
    assert all("is the card" not in p for p in prompts if "b2 → h2" in p)


def test_a_label_that_only_begins_like_the_id_is_still_named():
    from chainrule.core.explain import label_names_id
    assert label_names_id("w2 (bias)", "w2") and label_names_id("J = (y - t)²", "J")
    assert not label_names_id("prediction (4×1)", "pred")

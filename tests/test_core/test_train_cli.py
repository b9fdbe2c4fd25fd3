"""``chainrule train`` (cli.md): in-process through main() and as a real process.

The JSON (N + 1 losses, the final parameters) is compared with torch.optim
running the same model in float64 (skipped without torch); divergence, bad
settings and usage errors are checked for their exit status and their one
line on stderr, never a traceback.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_support import registry, strict_json  # noqa: F401  (registry: an autouse fixture)
from chainrule import resources
from chainrule.core import engine
from chainrule.core.cli import main

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: "
                                 "the comparison with torch.optim is skipped")

ROOT = Path(__file__).resolve().parents[2]
FIT = resources.DEMOS / "10-fit-two-layer.cgraph"
NEURON = resources.DEMOS / "01-neuron.cgraph"

X = [[1.0, 2.0, -1.0], [0.5, -1.0, 2.0], [0.0, 1.0, 1.0], [-1.0, 0.5, 0.25]]
Y = [0.5, -0.5, 1.0, 0.0]
W1 = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]]
B1 = [0.1, -0.1]
W2 = [1.0, -1.0]
S = 0.7

#: A small network: arrays and a scalar among the parameters, a mean squared error.
NET = f"""\
x = {X}
y = {Y}
W1 = torch.tensor({W1}, requires_grad=True)
b1 = torch.tensor({B1}, requires_grad=True)
w2 = torch.tensor({W2}, requires_grad=True)
s = torch.tensor({S}, requires_grad=True)
h = tanh(x @ W1 + b1)
loss = mse(s * (h @ w2), y)
"""

QUADRATIC = "w = 3; f = (w - 1) ** 2"


def run(capsys, *args):
    code = main(["train", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return strict_json(out), err


def one_error_line(err):
    lines = err.splitlines()
    assert lines, "nothing on stderr"
    assert lines[-1].startswith("chainrule: "), err
    assert "Traceback" not in err
    return lines[-1]


def proc(*args, stdin=None):
    import os
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "chainrule", "train", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=env,
                          input=stdin)


# ------------------------------------------------------------- JSON shape

def test_json_has_n_plus_one_losses_and_the_trainable_inputs(capsys):
    data, _ = run_json(capsys, FIT, "--steps", 7, "--lr", 0.05)
    assert set(data) == {"losses", "params"}
    assert len(data["losses"]) == 8
    assert all(isinstance(x, float) for x in data["losses"])
    assert list(data["params"]) == ["w11", "w12", "w22", "w23", "w33", "b1", "b2", "b3",
                                    "v1", "v2", "v3"]
    assert data["losses"][0] == 7.0625                     # the demo's loss at its values
    assert data["losses"][-1] < data["losses"][0]


def test_the_first_loss_is_evals_value_and_the_last_uses_the_final_params(capsys):
    data, _ = run_json(capsys, "--expr", QUADRATIC, "--train", "w", "--steps", 3)
    # w: 3 → 2.6 → 2.28 → 2.024 (g = 2(w - 1), lr 0.1)
    assert data["losses"] == pytest.approx([4.0, 2.56, 1.6384, 1.048576], rel=1e-14)
    assert data["params"] == {"w": pytest.approx(2.024, rel=1e-14)}
    assert main(["eval", "--expr", QUADRATIC, "--json"]) == 0
    assert strict_json(capsys.readouterr().out)["value"] == data["losses"][0]


def test_arrays_are_nested_lists_of_the_parameters_shape(capsys):
    data, _ = run_json(capsys, "--expr", NET, "--steps", 2, "--optimizer", "adam")
    assert np.array(data["params"]["W1"]).shape == (3, 2)
    assert np.array(data["params"]["b1"]).shape == (2,)
    assert isinstance(data["params"]["s"], float)
    assert list(data["params"]) == ["W1", "b1", "w2", "s"]


def test_train_names_the_parameters_in_its_order_and_overrides_trainable(capsys):
    data, _ = run_json(capsys, FIT, "--steps", 2, "--train", "b3,w11,b3", "--lr", 0.05)
    assert list(data["params"]) == ["b3", "w11"]           # a repeated id counts once
    full, _ = run_json(capsys, FIT, "--steps", 2, "--lr", 0.05)
    assert data["params"]["w11"] != full["params"]["w11"]  # the others were held fixed


def test_train_may_name_an_input_that_is_not_trainable(capsys):
    data, _ = run_json(capsys, FIT, "--steps", 1, "--train", "t", "--lr", 0.05)
    assert len(data["params"]["t"]) == 4


def test_an_array_loss_is_the_sum_of_its_elements(capsys):
    data, _ = run_json(capsys, "--expr", "w = [1.0, -2.0]; f = w * w", "--train", "w",
                       "--steps", 1)
    assert data["losses"] == pytest.approx([5.0, 0.64 * 5.0])
    assert data["params"]["w"] == pytest.approx([0.8, -1.6])


def test_set_changes_the_starting_values(capsys):
    data, _ = run_json(capsys, "--expr", QUADRATIC, "--train", "w", "--steps", 1,
                       "--set", "w=1")
    assert data == {"losses": [0.0, 0.0], "params": {"w": 1.0}}


def test_expr_file_and_stdin(tmp_path, capsys, monkeypatch):
    import io
    path = tmp_path / "q.py"
    path.write_text(QUADRATIC, encoding="utf-8")
    data, _ = run_json(capsys, "--expr-file", path, "--train", "w", "--steps", 1)
    assert data["params"]["w"] == pytest.approx(2.6)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(QUADRATIC.encode())))
    data, _ = run_json(capsys, "--expr-file", "-", "--train", "w", "--steps", 1)
    assert data["params"]["w"] == pytest.approx(2.6)


def test_a_parameter_that_does_not_reach_the_loss_stays_and_is_named(capsys):
    data, err = run_json(capsys, "--expr", "w = 2; v = 3; f = w * w", "--train", "w,v",
                         "--steps", 2)
    assert data["params"]["v"] == 3.0
    assert "v does not reach the loss f" in err
    assert "Traceback" not in err


def test_an_unused_setting_gets_a_warning(capsys):
    data, err = run_json(capsys, "--expr", QUADRATIC, "--train", "w", "--steps", 1,
                         "--betas", "0.5,0.5")
    assert "--betas is not used by --optimizer sgd" in err
    assert len(data["losses"]) == 2


def test_the_plan_is_compiled_once_for_the_whole_run(capsys, monkeypatch):
    built = []

    class Counting(engine.Plan):
        def __init__(self, graph):
            built.append(graph)
            super().__init__(graph)

    monkeypatch.setattr(engine, "Plan", Counting)
    data, _ = run_json(capsys, "--expr", NET, "--steps", 50, "--optimizer", "adam")
    assert len(data["losses"]) == 51
    assert len(built) == 1


# ------------------------------------------------------- against torch.optim

def _torch_net(make, steps):
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (W1, B1, W2, S)]
    W1t, b1t, w2t, st = params
    opt = make(params)

    def loss():
        h = torch.tanh(x @ W1t + b1t)
        return torch.nn.functional.mse_loss(st * (h @ w2t), y)

    losses = []
    for _ in range(steps):
        opt.zero_grad()
        value = loss()
        losses.append(value.item())
        value.backward()
        opt.step()
    with torch.no_grad():
        losses.append(loss().item())
    return losses, {name: t.detach().numpy() for name, t in zip(["W1", "b1", "w2", "s"], params)}


TORCH_CASES = [
    ([], lambda p: torch.optim.SGD(p, lr=0.1)),
    (["--weight-decay", "0.01"], lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01)),
    (["--optimizer", "momentum"], lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    (["--optimizer", "momentum", "--momentum", "0.5", "--lr", "0.2", "--weight-decay", "0.1"],
     lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.5, weight_decay=0.1)),
    (["--optimizer", "rmsprop", "--lr", "0.01"], lambda p: torch.optim.RMSprop(p, lr=0.01)),
    (["--optimizer", "rmsprop", "--lr", "0.01", "--eps", "1e-3", "--weight-decay", "0.05"],
     lambda p: torch.optim.RMSprop(p, lr=0.01, eps=1e-3, weight_decay=0.05)),
    (["--optimizer", "adam", "--lr", "0.05"], lambda p: torch.optim.Adam(p, lr=0.05)),
    (["--optimizer", "adam", "--lr", "0.05", "--betas", "0.5,0.9", "--eps", "1e-6",
      "--weight-decay", "0.02"],
     lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.02)),
]


@needs_torch
@pytest.mark.parametrize("options, make", TORCH_CASES,
                         ids=[" ".join(options) or "sgd" for options, _ in TORCH_CASES])
def test_json_equals_torch_optim_step_after_step(capsys, options, make):
    steps = 40
    data, _ = run_json(capsys, "--expr", NET, "--steps", steps, *options)
    losses, params = _torch_net(make, steps)
    assert len(data["losses"]) == steps + 1
    np.testing.assert_allclose(data["losses"], losses, rtol=1e-10, atol=1e-14)
    for name, value in params.items():
        np.testing.assert_allclose(data["params"][name], value, rtol=1e-10, atol=1e-13,
                                   err_msg=name)


@needs_torch
def test_the_default_learning_rate_is_0_1(capsys):
    data, _ = run_json(capsys, "--expr", NET, "--steps", 3, "--optimizer", "adam")
    losses, _ = _torch_net(lambda p: torch.optim.Adam(p, lr=0.1), 3)
    np.testing.assert_allclose(data["losses"], losses, rtol=1e-10)


# -------------------------------------------------------------- divergence

def test_divergence_stops_with_exit_1_and_prints_the_json_so_far(capsys):
    code, out, err = run(capsys, FIT, "--steps", 30, "--lr", 0.5, "--json")
    assert code == 1
    data = strict_json(out)
    losses = data["losses"]
    assert losses[-1] in ("inf", "nan")
    assert all(isinstance(x, float) for x in losses[:-1])
    assert 1 < len(losses) < 31
    line = one_error_line(err)
    assert f"after step {len(losses) - 1} of 30" in line
    assert len(data["params"]) == 11


def test_a_loss_that_is_nan_at_the_start_is_step_0(capsys):
    code, out, err = run(capsys, "--expr", "w = torch.tensor(-1.0, requires_grad=True)\n"
                                           "f = log(w)", "--steps", 5, "--json")
    assert code == 1
    assert strict_json(out) == {"losses": ["nan"], "params": {"w": -1.0}}
    assert "before the first step" in one_error_line(err)


def test_divergence_in_the_table_shows_the_last_loss(capsys):
    code, out, err = run(capsys, FIT, "--steps", 30, "--lr", 0.5)
    assert code == 1
    assert "inf" in out or "nan" in out
    assert "parameter" in out
    assert "after step" in one_error_line(err)


# --------------------------------------------------------------- the table

def test_table_shows_the_loss_every_so_often_and_the_final_parameters(capsys):
    code, out, err = run(capsys, FIT, "--steps", 200, "--lr", 0.05)
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("training J with sgd (lr 0.05) for 200 steps")
    head = lines.index("step  loss")
    rows = []
    for line in lines[head + 1:]:
        if not line.strip():
            break
        rows.append(line.split())
    steps = [int(r[0]) for r in rows]
    assert steps[0] == 0 and steps[-1] == 200 and 5 <= len(steps) <= 12
    assert float(rows[0][1]) == 7.0625
    table = lines[lines.index("parameter  value"):]
    assert [line.split()[0] for line in table[1:]] == ["w11", "w12", "w22", "w23", "w33",
                                                       "b1", "b2", "b3", "v1", "v2", "v3"]


def test_table_of_a_few_steps_shows_every_step(capsys):
    code, out, _ = run(capsys, "--expr", QUADRATIC, "--train", "w", "--steps", 3,
                       "--optimizer", "adam", "--lr", "0.5")
    assert code == 0
    assert "adam (lr 0.5, betas 0.9, 0.999, eps 1e-08)" in out
    body = out.split("step  loss\n")[1].split("\n\n")[0].splitlines()
    assert [int(line.split()[0]) for line in body] == [0, 1, 2, 3]


# ------------------------------------------------------------ bad input: 1

@pytest.mark.parametrize("options, words", [
    (["--steps", "0"], "--steps 0"),
    (["--steps", "-3"], "--steps -3"),
    (["--steps", "2.5"], "whole number"),
    (["--steps", "many"], "--steps many"),
    (["--steps", "5", "--lr", "abc"], "--lr abc: not a number"),
    (["--steps", "5", "--lr", "nan"], "--lr nan"),
    (["--steps", "5", "--lr", "-0.1"], "--lr -0.1"),
    (["--steps", "5", "--lr", "inf"], "--lr inf"),
    (["--steps", "5", "--momentum", "-1", "--optimizer", "momentum"], "--momentum -1"),
    (["--steps", "5", "--betas", "0.9"], "--betas 0.9: give two numbers"),
    (["--steps", "5", "--betas", "0.9,0.99,0.9"], "give two numbers"),
    (["--steps", "5", "--betas", "0.9,"], "give two numbers"),
    (["--steps", "5", "--betas", "a,b"], "not a number"),
    (["--steps", "5", "--betas", "1,0.999"], "below 1"),
    (["--steps", "5", "--betas", "0.9,-0.1"], "B2"),
    (["--steps", "5", "--eps", "-1e-8"], "--eps"),
    (["--steps", "5", "--weight-decay", "x"], "--weight-decay x"),
    (["--steps", "5", "--weight-decay", "-0.1"], "--weight-decay"),
])
def test_bad_settings_are_exit_1_with_one_line(capsys, options, words):
    code, out, err = run(capsys, FIT, *options)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert words in one_error_line(err)


def test_nothing_to_train_says_how_to_name_the_parameters(capsys):
    code, out, err = run(capsys, "--expr", QUADRATIC, "--steps", 5)
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert "nothing to train" in line and "--train ID,ID,..." in line


@pytest.mark.parametrize("train, words", [
    ("nope", 'there is no node "nope"; the inputs are w11'),
    ("J", '"J" is a mse node; only input nodes can be trained'),
    ("w11,,b1", "give input ids separated by commas"),
    (",", "give input ids separated by commas"),
])
def test_bad_train_ids_are_exit_1_naming_them(capsys, train, words):
    code, out, err = run(capsys, FIT, "--steps", 5, "--train", train)
    assert code == 1 and out == ""
    assert words in one_error_line(err)


def test_a_const_cannot_be_trained(capsys):
    code, _, err = run(capsys, "--expr", "w = 3; f = w * 2", "--steps", 1, "--train", "c1")
    assert code == 1
    assert '"c1" is a const node' in one_error_line(err)


@pytest.mark.parametrize("args, words", [
    (["/nonexistent/g.cgraph", "--steps", "3"], "cannot open"),
    (["--expr", "f = x *", "--steps", "3"], "--expr: line 1"),
    (["--expr", "f = x * 2", "--steps", "3"], "x has no value"),
])
def test_unreadable_input_is_exit_1(capsys, args, words):
    code, _, err = run(capsys, *args)
    assert code == 1
    assert words in one_error_line(err)


# ------------------------------------------------------------ usage: exit 2

@pytest.mark.parametrize("args", [
    ["--steps", "3"],                                     # no graph
    [str(FIT), "--expr", QUADRATIC, "--steps", "3"],      # two graphs
    [str(FIT)],                                           # no --steps
    [str(FIT), "--steps", "3", "--optimizer", "adamw"],
    [str(FIT), "--steps", "3", "--nesterov"],
    [str(FIT), "--steps", "3", "--set", "w11"],
])
def test_usage_errors_exit_2(capsys, args):
    code = main(["train", *args])
    _, err = capsys.readouterr()
    assert code == 2
    assert "usage:" in err and "Traceback" not in err


def test_help_describes_the_optimizers(capsys):
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    for word in ("--steps", "--optimizer", "torch.optim.Adam", "--weight-decay", "--betas"):
        assert word in out
    assert main(["--help"]) == 0
    assert "train" in capsys.readouterr().out


# ---------------------------------------------------------- a real process

def test_as_a_process_json(tmp_path):
    result = proc(NEURON, "--steps", 4, "--optimizer", "momentum", "--json")
    assert result.returncode == 0, result.stderr
    data = strict_json(result.stdout)
    assert len(data["losses"]) == 5
    assert data["params"]
    assert result.stderr == ""


def test_as_a_process_divergence_and_errors():
    result = proc(FIT, "--steps", 30, "--lr", 0.5, "--json")
    assert result.returncode == 1
    assert strict_json(result.stdout)["losses"][-1] in ("inf", "nan")
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("chainrule: the loss is ")
    for args, code in [([FIT, "--steps", 0], 1), ([FIT, "--steps", 3, "--lr", "x"], 1),
                       ([FIT], 2), ([FIT, "--steps", 3, "--optimizer", "x"], 2)]:
        result = proc(*args)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_as_a_process_from_stdin():
    result = proc("--expr-file", "-", "--train", "w", "--steps", 2, "--json",
                  stdin=QUADRATIC)
    assert result.returncode == 0, result.stderr
    assert strict_json(result.stdout)["params"]["w"] == pytest.approx(2.28)


def test_losses_print_as_exact_numbers():
    result = proc("--expr", QUADRATIC, "--train", "w", "--steps", 1, "--json")
    assert strict_json(result.stdout)["losses"] == [4.0, 2.5600000000000005]

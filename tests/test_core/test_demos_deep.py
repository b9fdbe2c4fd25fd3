"""The deep-learning demos (11-17): each loads, evaluates cleanly, passes the gradient
check, steps through, and shows what its description says it shows."""
from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.core.engine import evaluate
from chainrule.core.fileformat import load
from chainrule.core.gradcheck import check_gradients
from chainrule.core.stepper import Stepper
from chainrule.resources import DEMOS

INDEX = json.loads((DEMOS / "index.json").read_text(encoding="utf-8"))
DEEP = ["11-softmax-classifier.cgraph", "12-two-layer-net.cgraph", "13-svm-hinge.cgraph",
        "14-batchnorm-two-ways.cgraph", "15-tiny-convnet.cgraph",
        "16-causal-attention.cgraph", "17-logistic-bce.cgraph"]
# Class indices and labels: consts, not differentiable (they receive gradient 0).
INDICES = {"11-softmax-classifier.cgraph": ["y"], "12-two-layer-net.cgraph": ["y"],
           "13-svm-hinge.cgraph": ["y"], "15-tiny-convnet.cgraph": ["y"]}


def demo(name: str):
    return load(DEMOS / name)


def test_the_deep_demos_follow_the_first_ten_in_the_index():
    # (later demos, such as 25 and 26 on forward mode, come after them)
    assert INDEX["demos"][10:10 + len(DEEP)] == DEEP


@pytest.mark.parametrize("name", DEEP)
def test_loads_and_evaluates_without_problem_or_warning(name):
    g = demo(name)
    assert g.title and g.description and g.output
    ev = evaluate(g)
    assert ev.error is None and not ev.problems and not ev.warnings
    assert np.isfinite(ev.value(g.output))
    for n in g.node_ids():
        assert ev.value(n) is not None and np.all(np.isfinite(ev.value(n))), n


@pytest.mark.parametrize("name", DEEP)
def test_every_leaf_gradient_matches_central_differences(name):
    g = demo(name)
    skip = INDICES.get(name, [])
    for n in skip:
        assert g.node(n).op == "const"
    leaves = [n.id for n in g.nodes() if n.spec.is_leaf and n.id not in skip]
    rows = check_gradients(g, leaves, tolerance=1e-5)
    assert [r.node for r in rows] == leaves
    assert all(r.ok for r in rows), [(r.node, r.rel_error) for r in rows if not r.ok]
    ev = evaluate(g)
    for n in skip:
        np.testing.assert_array_equal(ev.grad(n), np.zeros(np.shape(g.node(n).value)))


@pytest.mark.parametrize("name", DEEP)
def test_every_node_passes_the_check_too(name):
    rows = check_gradients(demo(name), "all", tolerance=1e-5)
    assert all(r.ok for r in rows), [(r.node, r.rel_error) for r in rows if not r.ok]


@pytest.mark.parametrize("name", DEEP)
def test_steps_cleanly_forward_and_back(name):
    g = demo(name)
    full = evaluate(g)
    st = Stepper(g)
    first = st.view()
    while st.step():
        pass
    assert st.position == st.total > 0
    view = st.view()
    for n in g.node_ids():
        np.testing.assert_array_equal(view.node_values[n], full.value(n))
        np.testing.assert_array_equal(view.node_grads[n], full.grad(n))
    for e in g.edges():
        np.testing.assert_array_equal(view.edge_grads[e], full.edge_grad(e))
    while st.back():
        pass
    assert st.position == 0
    assert st.view().node_grads == first.node_grads


@pytest.mark.parametrize("name", DEEP)
def test_parameters_are_trainable_and_data_is_not(name):
    g = demo(name)
    trainable = {n.id for n in g.nodes() if n.trainable}
    # the batch-norm demo compares two computations of one input: nothing to learn
    assert bool(trainable) == (name != "14-batchnorm-two-ways.cgraph")
    for n in g.nodes():
        if n.op == "input" and n.id not in trainable:
            assert n.id.lower().startswith(("x", "img")), n.id


# ------------------------------------------------------------ what each demo shows

def _onehot(y, c):
    return np.eye(c)[np.asarray(y, dtype=int)]


def test_softmax_classifier_gradient_at_the_scores_is_p_minus_y_over_n():
    g = demo("11-softmax-classifier.cgraph")
    ev = evaluate(g)
    s = ev.value("scores")
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = g.node("y").value
    np.testing.assert_allclose(ev.grad("scores"), (p - _onehot(y, 3)) / len(y),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ev.grad("scores").sum(1), 0, atol=1e-15)
    assert "p − y" in g.description


def test_two_layer_net_relu_gates_and_the_l2_share_of_the_weights():
    g = demo("12-two-layer-net.cgraph")
    ev = evaluate(g)
    z1 = ev.value("z1")
    assert (z1 < 0).any() and (z1 > 0).any() and np.min(np.abs(z1)) > 1e-3
    assert np.all(ev.grad("z1")[z1 < 0] == 0)
    reg = g.node("reg").value
    for w, sq in (("W1", "w1sq"), ("W2", "w2sq")):
        share = sum(ev.edge_grad(e) for e in g.out_edges(w) if e.dst == sq)
        np.testing.assert_allclose(share, 2 * reg * g.node(w).value, rtol=1e-12)


def test_svm_uses_the_softmax_demos_data_and_its_gradient_comes_in_steps_of_one_over_n():
    svm, soft = demo("13-svm-hinge.cgraph"), demo("11-softmax-classifier.cgraph")
    for n in ("X", "W", "b", "y"):
        np.testing.assert_array_equal(svm.node(n).value, soft.node(n).value)
    ev = evaluate(svm)
    s, y = ev.value("scores"), svm.node("y").value.astype(int)
    margins = s - s[np.arange(3), y][:, None] + 1
    margins[np.arange(3), y] = -1
    assert np.min(np.abs(margins)) > 1e-3        # no margin at the kink
    n_pos = (margins > 0).sum(1)
    want = (margins > 0).astype(float)
    want[np.arange(3), y] = -n_pos
    np.testing.assert_allclose(ev.grad("scores"), want / 3, rtol=1e-12, atol=1e-15)
    assert ev.value("L") == pytest.approx(np.maximum(margins, 0).sum() / 3, rel=1e-12)


def test_batchnorm_staged_and_as_one_gate_send_the_same_gradient_into_x():
    g = demo("14-batchnorm-two-ways.cgraph")
    ev = evaluate(g)
    np.testing.assert_allclose(ev.value("xhat"), ev.value("bn"), rtol=0, atol=1e-12)
    out = g.out_edges("x")
    staged = sum(ev.edge_grad(e) for e in out if e.dst in ("mu", "xc"))
    gate = sum(ev.edge_grad(e) for e in out if e.dst == "bn")
    assert {e.dst for e in out} == {"mu", "xc", "bn"}
    np.testing.assert_allclose(staged, gate, rtol=0, atol=1e-10)
    np.testing.assert_allclose(staged.sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ev.grad("x"), 2 * gate, rtol=0, atol=1e-10)
    # and the formula of the description
    xhat, R = ev.value("bn"), g.node("R").value
    sigma = np.sqrt(g.node("x").value.var(axis=0) + 1e-5)
    want = (R - R.mean(0) - xhat * (R * xhat).mean(0)) / sigma
    np.testing.assert_allclose(gate, want, rtol=0, atol=1e-10)


def test_convnet_shapes_and_pooling_routes_one_element_per_window():
    g = demo("15-tiny-convnet.cgraph")
    ev = evaluate(g)
    assert np.shape(g.node("img").value) == (2, 1, 6, 6)
    assert np.shape(g.node("K").value) == (2, 1, 3, 3)
    assert np.shape(ev.value("conv")) == (2, 2, 4, 4)
    assert np.shape(ev.value("pool")) == (2, 2, 2, 2)
    assert np.shape(ev.value("flat")) == (2, 8)
    gr = ev.grad("r")
    windows = gr.reshape(2, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 2, 2, 2, 4)
    assert np.all((windows != 0).sum(-1) <= 1)
    assert np.all(np.abs(ev.value("z")) > 1e-3)   # no pre-activation at the ReLU's kink


def test_causal_attention_weights_are_finite_zero_above_the_diagonal_and_rows_sum_to_one():
    g = demo("16-causal-attention.cgraph")
    ev = evaluate(g)
    A = ev.value("A")
    assert np.all(np.isfinite(A))
    assert np.all(A[np.triu_indices(3, 1)] == 0)
    np.testing.assert_allclose(A.sum(-1), 1, rtol=1e-15)
    np.testing.assert_array_equal(A[0], [1, 0, 0])
    assert np.all(ev.grad("Sm")[np.triu_indices(3, 1)] == 0)
    mask = g.node("mask").value
    assert np.all(mask[np.triu_indices(3, 1)] <= -1e9) and np.all(mask[np.tril_indices(3)] == 0)


def test_logistic_regression_both_losses_agree_and_only_the_fused_one_survives_saturation():
    g = demo("17-logistic-bce.cgraph")
    ev = evaluate(g)
    assert ev.value("bce") == pytest.approx(ev.value("bcel"), rel=1e-12)
    z = ev.value("z")
    assert z.max() == pytest.approx(8) and ev.value("p").max() > 0.9996
    into = {e.dst: ev.edge_grad(e) for e in g.out_edges("z")}
    np.testing.assert_allclose(into["p"], into["bcel"], rtol=1e-9)
    # The description's experiment: a logit of 40, where σ rounds to exactly 1.
    X = np.array(g.node("X").value)
    X[3] = [20, 10]
    g.set_value("X", X)
    ev = evaluate(g)
    assert ev.value("z")[3] == 40 and ev.value("p")[3] == 1.0
    assert np.isfinite(ev.value("bce")) and np.isfinite(ev.value("bcel"))
    others = np.sum(np.logaddexp(0, -ev.value("z")[:3] * np.array([1, -1, -1])))
    assert ev.value("bcel") == pytest.approx((others + 40) / 4, rel=1e-12)
    assert ev.value("bce") == pytest.approx((others + 100) / 4, rel=1e-9)
    into = {e.dst: ev.edge_grad(e) for e in g.out_edges("z")}
    assert into["p"][3] == 0 and into["bcel"][3] == pytest.approx(0.25, rel=1e-12)


# ------------------------------------------------------------ against PyTorch

def _torch():
    return pytest.importorskip("torch")


def test_softmax_and_two_layer_losses_and_gradients_equal_torch_float64():
    torch = _torch()
    F = torch.nn.functional
    t = lambda v: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64,
                               requires_grad=True)
    g = demo("12-two-layer-net.cgraph")
    X, W1, b1, W2, b2 = (t(g.node(n).value) for n in ("X", "W1", "b1", "W2", "b2"))
    y = torch.tensor(g.node("y").value.astype(int))
    reg = float(g.node("reg").value)
    loss = (F.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, y)
            + reg * ((W1 * W1).sum() + (W2 * W2).sum()))
    loss.backward()
    ev = evaluate(g)
    assert ev.value("L") == pytest.approx(loss.item(), rel=1e-13)
    for n, v in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2), ("X", X)):
        np.testing.assert_allclose(ev.grad(n), v.grad.numpy(), rtol=1e-12, atol=1e-15)

    g = demo("11-softmax-classifier.cgraph")
    X, W, b = (t(g.node(n).value) for n in ("X", "W", "b"))
    loss = F.cross_entropy(X @ W + b, torch.tensor(g.node("y").value.astype(int)))
    loss.backward()
    ev = evaluate(g)
    assert ev.value("L") == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(ev.grad("W"), W.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_convnet_attention_and_batchnorm_equal_torch_float64():
    torch = _torch()
    F = torch.nn.functional
    t = lambda v: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64,
                               requires_grad=True)
    g = demo("15-tiny-convnet.cgraph")
    img, K, bc, Wf, bf = (t(g.node(n).value) for n in ("img", "K", "bc", "Wf", "bf"))
    scores = F.max_pool2d(torch.relu(F.conv2d(img, K) + bc), 2).reshape(2, -1) @ Wf + bf
    loss = F.cross_entropy(scores, torch.tensor(g.node("y").value.astype(int)))
    loss.backward()
    ev = evaluate(g)
    assert ev.value("L") == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(ev.grad("K"), K.grad.numpy(), rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(ev.grad("img"), img.grad.numpy(), rtol=1e-11, atol=1e-14)

    g = demo("16-causal-attention.cgraph")
    X, Wq, Wk, Wv = (t(g.node(n).value) for n in ("X", "Wq", "Wk", "Wv"))
    mask = torch.tensor(g.node("mask").value)
    A = torch.softmax((X @ Wq) @ (X @ Wk).T / np.sqrt(2.0) + mask, dim=-1)
    loss = F.mse_loss(A @ (X @ Wv), torch.tensor(g.node("T").value))
    loss.backward()
    ev = evaluate(g)
    assert ev.value("L") == pytest.approx(loss.item(), rel=1e-13)
    for n, v in (("Wq", Wq), ("Wk", Wk), ("Wv", Wv), ("X", X)):
        np.testing.assert_allclose(ev.grad(n), v.grad.numpy(), rtol=1e-11, atol=1e-15)

    g = demo("14-batchnorm-two-ways.cgraph")
    x = t(g.node("x").value)
    loss = (F.batch_norm(x, None, None, training=True, eps=1e-5)
            * torch.tensor(g.node("R").value)).sum()
    loss.backward()
    ev = evaluate(g)
    gate = sum(ev.edge_grad(e) for e in g.out_edges("x") if e.dst == "bn")
    np.testing.assert_allclose(gate, x.grad.numpy(), rtol=0, atol=1e-12)
    assert ev.value("s2") == pytest.approx(loss.item(), rel=1e-12, abs=1e-13)


# ------------------------------------------------------------ the chain-rule panel

@pytest.mark.parametrize("name", DEEP)
def test_every_node_and_wire_has_its_explanation(name):
    from chainrule.core.explain import edge_text, node_text
    g = demo(name)
    ev = evaluate(g)
    for n in g.node_ids():
        assert node_text(ev, g, n).text()
    for e in g.edges():
        assert edge_text(ev, g, e).text()


def test_only_a_stretched_input_is_said_to_be_summed_over_broadcast_axes():
    from chainrule.core.explain import node_text
    g = demo("15-tiny-convnet.cgraph")
    ev = evaluate(g)
    assert "summed from (2×2×4×4) over the broadcast axes" in node_text(ev, g, "z").text()
    for n in ("conv", "pool", "flat", "r"):
        assert "broadcast" not in node_text(ev, g, n).text(), n

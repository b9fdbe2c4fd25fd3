"""Put one moment of a step-through on the canvas: labels, node states, emphasis.

The core's :meth:`core.stepper.Stepper.view` says *what* is known after
``k`` steps; this module only turns it into the scene's vocabulary —
``WireItem.set_labels`` for the numbers, ``NodeItem.set_state`` for done /
current / ready / waiting, and a tooltip sentence per node that makes the
schedule readable ("waiting for gradients from m12, m22").  Numbers are
formatted with ``scene.format``, the same formatter as the live labels, so
the last frame of a step-through reads exactly like the full pass.  The
scene's own tooltips show no numbers while stepping (the controller hides
the full pass from it), so each card's tooltip carries what the
step-through knows so far.
"""
from __future__ import annotations

from chainrule.core.stepper import CURRENT, DONE, IDLE, READY, WAITING, Stepper, View


def show_step(scene, stepper: Stepper, view: View | None = None) -> View:
    """Label and colour ``scene`` as ``stepper`` stands now; returns the view shown."""
    view = view or stepper.view()
    fmt = scene.format
    backward = stepper.position > len(stepper.forward)
    emphasized = set(view.emphasized)
    for edge, wire in scene.wires.items():
        value = fmt(view.edge_values[edge]) if edge in view.edge_values else None
        if edge in view.edge_grads:
            grad = fmt(view.edge_grads[edge])
        elif backward and view.states.get(edge.dst) == IDLE:
            # The full pass writes "—" under a wire whose gradient never reaches it.
            grad = fmt(None)
        else:
            grad = None
        wire.set_labels(value, grad, edge in emphasized)
    output = stepper.evaluation.output
    if output in scene.nodes:
        value = fmt(view.node_values[output]) if output in view.node_values else None
        grad = fmt(view.node_grads[output]) if output in view.node_grads else None
        scene.nodes[output].set_labels(value, grad, view.current == output)
    graph = stepper.graph
    for node_id, item in scene.nodes.items():
        state = view.states.get(node_id, IDLE)
        item.set_state(state)
        lines = [state_sentence(graph, state, backward, view.waiting_for.get(node_id, []))]
        if node_id in view.node_values and not graph.node(node_id).spec.is_leaf:
            lines.append("value: " + fmt(view.node_values[node_id]))
        if node_id in view.node_grads:
            lines.append("gradient: " + fmt(view.node_grads[node_id]))
        item.set_extra_tooltip("\n".join(line for line in lines if line))
    return view


def state_sentence(graph, state: str, backward: bool, waiting_for: list[str]) -> str:
    """The tooltip line that says where a node stands in the schedule."""
    names = ", ".join(graph.node(n).display for n in waiting_for)
    if state == WAITING:
        return (f"Waiting for gradients from {names}." if backward
                else f"Waiting for values from {names}.")
    if state == READY:
        return ("Ready: every gradient it waits for has arrived." if backward
                else "Ready: its inputs have values, it can be computed.")
    if state == CURRENT:
        return ("This step: its gradient is passed to its inputs." if backward
                else "This step: its value is computed.")
    if state == DONE:
        return ("Done: its gradient is complete and passed on." if backward
                else "Done: its value is known.")
    if backward:
        return "No gradient: this node does not lead to the output."
    return ""


def show_live(scene, evaluation) -> None:
    """Back to the live labels of ``evaluation`` and plain cards (no step-through)."""
    scene.auto_labels = True
    scene.clear_states()
    scene.show_evaluation(evaluation)

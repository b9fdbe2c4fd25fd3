"""Put one moment of a step-through's highlight on the canvas: node states and emphasis.

The core's :meth:`chainrule.core.stepper.Stepper.view` says *where* the schedule stands
after ``k`` steps; this module only turns it into the scene's vocabulary —
done / current / ready / waiting for each card, the wires the current step
works on, and a tooltip sentence per node that makes the schedule readable
("waiting for gradients from m12, m22").  It shows no number: the numbers
reach the canvas only as the document's current evaluation (the stepper's
:meth:`~chainrule.core.stepper.Stepper.shown`, published with ``Document.show_steps``),
so the last frame of a step-through reads exactly like the full pass.
"""
from __future__ import annotations

from chainrule.core.stepper import CURRENT, DONE, READY, WAITING, Stepper, View


def show_step(scene, stepper: Stepper, full: bool = False) -> View:
    """Colour ``scene`` as ``stepper`` stands now; returns the view shown.

    Only the cards whose state may have changed since this scene was last shown
    this stepper are touched (``full``: every card, as when a label changed the
    names in the tooltips), so a step costs what it changed."""
    view = stepper.view()
    last = scene.step_token
    token = last[1] if last is not None and last[0] is stepper and not full else None
    changed, now = stepper.changed_since(token)
    scene.step_token = (stepper, now)
    graph = stepper.graph
    backward = stepper.position > len(stepper.forward)
    waiting = view.waiting_for
    states = view.states if changed is None else {n: view.states[n] for n in changed}
    sentences = {node_id: state_sentence(graph, state, backward, waiting.get(node_id, []))
                 for node_id, state in states.items()}
    for node_id in set(view.updating) & set(sentences):
        sentences[node_id] = UPDATING
    scene.show_step_state(states, view.emphasized, view.current, sentences,
                          only=None if changed is None else changed)
    scene.groups.set_current(stepper.gate_at() if stepper.gates else None)
    return view


#: The tooltip of a parameter during the Update step.
UPDATING = "The Update step: the optimizer would move this parameter (nothing changes yet)."


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


def show_live(scene) -> None:
    """Plain cards again (no step-through)."""
    scene.clear_states()
    scene.groups.set_current(None)

"""MIME types the editor puts on drags and on the clipboard."""

#: A palette drag: the payload is the op name (UTF-8), e.g. b"sigmoid".
OP_MIME = "application/x-chainrule-op"

#: Copied nodes: the payload is a .cgraph document (UTF-8 JSON); the same text
#: also goes on the clipboard as plain text so it pastes between windows.
GRAPH_MIME = "application/x-chainrule-graph"

"""Esc leaves the text box being typed in, on pages whose keys are Streamlit button shortcuts.

Streamlit ignores shortcut keys while a text box has the focus (so typing "1" into a
rationale types it) but does nothing on Esc, so a reviewer who typed a rationale could
not reach the keys again without the mouse. This element (a custom component without
anything to show) listens on the document and, on Esc in a text box, takes the focus away:
Streamlit then commits the typed value as on any blur, and the next key is a shortcut again.
"""

from __future__ import annotations

import streamlit as st

_JS = """
const TEXT_TYPES = new Set(["text", "search", "email", "url", "tel", "password", "number"]);

function isTextBox(node) {
  if (!node || !node.tagName) return false;
  if (node.tagName === "TEXTAREA" || node.isContentEditable) return true;
  return node.tagName === "INPUT" && TEXT_TYPES.has((node.type || "text").toLowerCase());
}

function leaveOnEscape(event) {
  if (event.key === "Escape" && isTextBox(document.activeElement)) document.activeElement.blur();
}

export default function () {
  document.addEventListener("keydown", leaveOnEscape, true);
  return () => document.removeEventListener("keydown", leaveOnEscape, true);
}
"""

# Registered once per process (on import), as the labelling panel is.
_mount = st.components.v2.component("annotator_escape_leaves_text_boxes", js=_JS, isolate_styles=False)


def escape_leaves_text_boxes(key: str) -> None:
    _mount(key=key)

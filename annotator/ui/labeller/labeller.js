// The labelling panel of the Annotate page: one Streamlit element (custom component v2).
//
// Choosing a source, going back to it and typing a note happen here, in the browser;
// only a finished label ("save") or a move reaches Python, as one trigger value. That keeps
// a key press to one server round trip, and the page's rerun to a handful of elements.
//
// Article text and every name come from the database: they are set with textContent,
// never as HTML.

let keyHandler = null;
let shownRevision = null;
let form = null;
// One action at a time: keys pressed while an action is on its way are dropped, since they
// were meant for a sentence the annotator has not seen yet. New data from the server (every
// action changes it) ends the wait; the time limit covers a lost connection.
let pendingSince = null;
const PENDING_LIMIT_MS = 5000;

const TEXT_INPUT_TYPES = new Set(["text", "search", "email", "url", "tel", "password", "number"]);
const ACTIVATED_BY_KEYS = new Set(["BUTTON", "A", "SUMMARY"]);

function isTyping(target) {
  if (!target) return false;
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable) return true;
  return target.tagName === "INPUT" && TEXT_INPUT_TYPES.has((target.type || "text").toLowerCase());
}

function busy() {
  return pendingSince !== null && performance.now() - pendingSince < PENDING_LIMIT_MS;
}

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  if (text !== null) node.textContent = text;
  return node;
}

function freshForm(data) {
  return {
    stage: "source",
    source: data.form.source,
    confidence: data.form.confidence,
    note: data.form.note,
    other: data.form.other,
    flagged: data.form.flagged,
    warning: null,
  };
}

const decoder = new TextDecoder();

export default function ({ parentElement, data: payload, setTriggerValue }) {
  const data = JSON.parse(decoder.decode(payload));
  const root = parentElement.querySelector(".ann-labeller");
  pendingSince = null;
  if (shownRevision !== data.revision || form === null) {
    form = freshForm(data);
    shownRevision = data.revision;
  }

  const send = (action) => {
    if (busy()) return;
    pendingSince = performance.now();
    setTriggerValue("action", { ...action, revision: data.revision, sentence_id: data.sentence_id });
  };
  const save = (isClaim, source, confidence) =>
    send({
      kind: "save",
      is_claim: isClaim,
      source: isClaim ? source : null,
      confidence: isClaim ? confidence : null,
      note: form.note,
      flagged: form.flagged,
      other: source === "other" ? form.other : "",
    });
  const warn = (text) => {
    form.warning = text;
    render();
  };
  const sourceLabel = (key) => (data.sources.find((s) => s.key === key) || { label: key }).label;

  const pickSource = (key) => {
    if (key === "other" && !form.other.trim()) {
      warn("Type the source's name in “Other source”, then pick Other again.");
      root.querySelector(".ann-other input").focus();
      return;
    }
    Object.assign(form, { source: key, stage: "confidence", warning: null });
    render();
  };
  const pickConfidence = (value) => {
    if (form.source === null) return warn("Pick a source first (or N: not a claim).");
    form.confidence = value;
    save(true, form.source, value);
  };
  const sameAsPrevious = () => {
    if (data.previous === null) return warn("The previous sentence has no source of yours to repeat.");
    form.other = data.previous.other;
    pickSource(data.previous.source);
  };
  const saveAndNext = () => {
    if (form.source !== null) return save(true, form.source, form.confidence);
    if (data.saved) return send({ kind: "go", step: 1 });
    warn("Nothing to save yet: pick a source, or N for not a claim.");
  };
  const back = () => {
    Object.assign(form, { stage: "source", warning: null });
    render();
  };

  function button(label, { key, primary = false, disabled = false, shortcut = null, title = null }, onClick) {
    const node = el(
      "button",
      { type: "button", class: primary ? "ann-btn primary" : "ann-btn", "data-key": key, disabled, title },
      null,
    );
    if (shortcut) node.append(el("kbd", {}, shortcut));
    node.append(document.createTextNode(label));
    node.addEventListener("click", (event) => {
      // Give the focus back to the page, so that Enter means "save & next" again, not
      // "press this button once more".
      node.blur();
      if (!busy()) onClick(event);
    });
    return node;
  }

  function render() {
    const stage = form.stage;
    root.dataset.document = data.document_id;  // lets a test or a script tell which article is shown
    root.querySelector(".ann-title").textContent = data.title;
    root.querySelector(".ann-position").textContent = data.position;
    for (const [name, [done, total]] of Object.entries(data.progress)) {
      const bar = root.querySelector(`.ann-progress[data-name="${name}"]`);
      bar.querySelector("progress").max = Math.max(total, 1);
      bar.querySelector("progress").value = done;
      bar.querySelector("span").textContent = `${bar.dataset.label}: ${done} of ${total}`;
    }

    const reading = root.querySelector(".ann-reading");
    reading.replaceChildren();
    let paragraph = null;
    let current = null;
    for (const sentence of data.context) {
      if (sentence.paragraph !== paragraph) {
        current = reading.appendChild(el("p"));
        paragraph = sentence.paragraph;
      } else {
        current.append(" ");
      }
      current.append(
        sentence.current
          ? el("mark", { class: "current", id: "current-sentence" }, sentence.text)
          : el("span", { class: "context" }, sentence.text),
      );
    }

    const message = root.querySelector(".ann-message");
    const shown = form.warning ? { kind: "warning", text: form.warning } : data.message;
    message.className = "ann-message" + (shown ? ` ${shown.kind}` : "");
    message.textContent = shown ? shown.text : "";

    const prompt = root.querySelector(".ann-prompt");
    prompt.replaceChildren();
    if (stage === "source") {
      prompt.append(el("strong", {}, "Who says so?"), " Pick the source (its key shows on the button), or ");
      prompt.append(el("strong", {}, data.keys.not_claim), " if it is not a claim.");
    } else {
      prompt.append(el("strong", {}, "How sure are you"), " that it is ", el("em", {}, sourceLabel(form.source)));
      prompt.append("? A digit saves and moves on; ", el("strong", {}, "Esc"), " goes back.");
    }

    const sources = root.querySelector(".ann-sources");
    sources.replaceChildren(
      ...data.sources.map((s) =>
        button(s.label, { key: `src_${s.key}`, primary: s.key === form.source, shortcut: stage === "source" ? s.shortcut : null }, () =>
          pickSource(s.key),
        ),
      ),
      button("Not a claim", { key: "not_claim", primary: data.form.is_claim === false, shortcut: data.keys.not_claim }, () =>
        save(false, null, null),
      ),
      button("Same source as previous", { key: "same_prev", shortcut: data.keys.same_as_previous }, sameAsPrevious),
    );

    const confidence = root.querySelector(".ann-confidence");
    confidence.replaceChildren(
      ...data.confidence.map((c) =>
        button(
          `${c.value} · ${c.label}`,
          { key: `conf_${c.value}`, primary: c.value === form.confidence, shortcut: stage === "confidence" ? String(c.value) : null, title: c.description },
          () => pickConfidence(c.value),
        ),
      ),
    );
    if (stage === "confidence") confidence.append(button("Back to source", { key: "cancel", shortcut: "Esc" }, back));

    root.querySelector(".ann-nav").replaceChildren(
      button("Previous", { key: "prev", shortcut: "←", disabled: data.index === 0 }, () => send({ kind: "go", step: -1 })),
      button("Save & next", { key: "save_next", primary: true, shortcut: "Enter" }, saveAndNext),
      button("Next", { key: "next", shortcut: "→", disabled: data.index >= data.total - 1 }, () => send({ kind: "go", step: 1 })),
      button("Next that needs me", { key: "next_needed", shortcut: data.keys.next_needed }, () => send({ kind: "next_needed" })),
    );
    root.querySelector(".ann-tools").replaceChildren(
      button("Choose article…", { key: "choose_article" }, () => send({ kind: "open", dialog: "choose_article" })),
      button("Propose a new source…", { key: "propose" }, () => send({ kind: "open", dialog: "propose_source" })),
      button("Guidelines", { key: "guidelines" }, () => send({ kind: "open", dialog: "guidelines" })),
    );

    root.querySelector(".ann-note textarea").value = form.note;
    root.querySelector(".ann-other input").value = form.other;
    root.querySelector(".ann-flag input").checked = form.flagged;
  }

  function wireInputsOnce() {
    if (root.dataset.wired) return;
    root.dataset.wired = "1";
    root.querySelector(".ann-note textarea").addEventListener("input", (e) => (form.note = e.target.value));
    root.querySelector(".ann-other input").addEventListener("input", (e) => (form.other = e.target.value));
    root.querySelector(".ann-flag input").addEventListener("change", (e) => {
      form.flagged = e.target.checked;
      e.target.blur();  // a ticked box must not keep the keys from the panel
    });
    const keys = root.querySelector(".ann-keys ul");
    for (const line of data.key_help) {
      const item = keys.appendChild(el("li"));
      item.append(el("kbd", {}, line[0]), " ", line[1]);
    }
  }

  function onKey(event) {
    const target = event.composedPath()[0];
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    // A dialog (choose an article, propose a source) has the keys while it is open.
    if (document.querySelector('[role="dialog"]')) return;
    if (isTyping(target)) {
      if (event.key === "Escape") target.blur();
      return;
    }
    // A focused button or link (reached with Tab) does its own thing on Enter or Space.
    if (target && ACTIVATED_BY_KEYS.has(target.tagName) && (event.key === "Enter" || event.key === " ")) return;
    if (busy()) return;
    const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
    let handled = true;
    if (key === "Enter") saveAndNext();
    else if (key === "ArrowLeft") data.index > 0 && send({ kind: "go", step: -1 });
    else if (key === "ArrowRight") data.index < data.total - 1 && send({ kind: "go", step: 1 });
    else if (key === data.keys.next_needed) send({ kind: "next_needed" });
    else if (form.stage === "confidence") {
      const value = data.confidence.find((c) => String(c.value) === key);
      if (value) pickConfidence(value.value);
      else if (key === "Escape") back();
      else handled = false;
    } else if (key === data.keys.not_claim) save(false, null, null);
    else if (key === data.keys.same_as_previous) sameAsPrevious();
    else {
      const source = data.sources.find((s) => s.shortcut === key);
      if (source) pickSource(source.key);
      else handled = false;
    }
    if (handled) event.preventDefault();
  }

  wireInputsOnce();
  render();
  if (keyHandler) document.removeEventListener("keydown", keyHandler);
  keyHandler = onKey;
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    // Streamlit may call the cleanup of a render that a newer one has replaced: only the
    // newest one takes the panel's state with it.
    if (keyHandler !== onKey) return;
    keyHandler = null;
    // Nothing typed here may outlive the panel (a logout, another page).
    form = null;
    shownRevision = null;
    pendingSince = null;
  };
}

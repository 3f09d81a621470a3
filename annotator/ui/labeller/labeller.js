// The labelling panel of the Annotate page: one Streamlit element (custom component v2).
//
// The panel owns the article. It gets the whole article once, and every key is applied here,
// at once and in order, to the sentence on screen when it was pressed. A finished label goes
// into an outbox, kept in the browser's storage, that is sent to the server in typing order;
// the server checks each label and acknowledges it by the id given here. Nothing waits for
// the server, and nothing is dropped: a label the server refuses stays on screen with its
// reason until the annotator fixes or dismisses it.
//
// Article text and every name come from the database: they are set with textContent,
// never as HTML.

const RESEND_AFTER_MS = 4000; // no answer by then: the connection was lost, send again
const MAX_SENT = 50; // labels per exchange; the rest go with the next one
const STORAGE = "annotator:outbox:v1";
const TEXT_INPUT_TYPES = new Set(["text", "search", "email", "url", "tel", "password", "number"]);
const ACTIVATED_BY_KEYS = new Set(["BUTTON", "A", "SUMMARY"]);
const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock", "AltGraph"]);

let panel = null; // the state of the article on screen (module-level: it outlives a rerun)
let listening = false;
const decoder = new TextDecoder();

function isTyping(target) {
  if (!target) return false;
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable) return true;
  return target.tagName === "INPUT" && TEXT_INPUT_TYPES.has((target.type || "text").toLowerCase());
}

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  if (text !== null) node.textContent = text;
  return node;
}

function newClientId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

function asLabel(row) {
  // The evidence (document-offset spans, the chain of sources) follows the six fields; a server
  // that does not keep evidence sends six.
  const [is_claim, source, source_other, confidence, note, flagged, cue = null, source_mention = null, via = []] = row;
  return { is_claim, source, source_other, confidence, note, flagged, cue, source_mention, via: via || [] };
}

function spanKey(span) {
  return span ? `${span.char_start}-${span.char_end}` : "";
}

function sameLabel(a, b) {
  if (a === null || b === null) return a === b;
  return (
    a.is_claim === b.is_claim &&
    a.source === b.source &&
    (a.source_other || null) === (b.source_other || null) &&
    a.confidence === b.confidence &&
    a.note === b.note &&
    a.flagged === b.flagged &&
    spanKey(a.cue) === spanKey(b.cue) &&
    spanKey(a.source_mention) === spanKey(b.source_mention) &&
    (a.via || []).join("\n") === (b.via || []).join("\n")
  );
}

// --- the outbox, kept in localStorage per user and article ------------------------------

function storageKey(user, documentId) {
  return `${STORAGE}:${user}:${documentId}`;
}

function loadStored(user, documentId) {
  try {
    const stored = JSON.parse(localStorage.getItem(storageKey(user, documentId)) || "null");
    if (stored && Array.isArray(stored.outbox) && Array.isArray(stored.refused)) return stored;
  } catch (error) {
    // Unreadable storage (private mode, a full disk): the outbox lives in memory only.
  }
  return { outbox: [], refused: [] };
}

// Labels waiting for other articles of this user (typed before a reload that opened another
// article): they are sent too, so a reload never strands them.
function otherArticlesOutbox(user, documentId) {
  const items = [];
  try {
    const prefix = `${STORAGE}:${user}:`;
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(prefix) && key !== storageKey(user, documentId)) {
        const stored = JSON.parse(localStorage.getItem(key) || "null");
        if (stored && Array.isArray(stored.outbox)) items.push(...stored.outbox.map((item) => ({ ...item, storedUnder: key })));
      }
    }
  } catch (error) {
    // As above: nothing to add.
  }
  return items;
}

function persist(p) {
  try {
    const key = storageKey(p.user, p.documentId);
    if (p.outbox.length || p.refused.length) {
      localStorage.setItem(key, JSON.stringify({ outbox: p.outbox, refused: p.refused }));
    } else {
      localStorage.removeItem(key);
    }
    for (const [storedKey, items] of groupBy(p.elsewhere, (item) => item.storedUnder)) {
      const stored = JSON.parse(localStorage.getItem(storedKey) || "null") || { outbox: [], refused: [] };
      const waiting = new Set(items.map((item) => item.client_id));
      stored.outbox = stored.outbox.filter((item) => waiting.has(item.client_id));
      if (stored.outbox.length || stored.refused.length) localStorage.setItem(storedKey, JSON.stringify(stored));
      else localStorage.removeItem(storedKey);
    }
  } catch (error) {
    // As in loadStored.
  }
}

function groupBy(items, keyOf) {
  const groups = new Map();
  for (const item of items) {
    const key = keyOf(item);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  return groups;
}

// --- the panel's state --------------------------------------------------------------------

function newPanel(data) {
  const stored = loadStored(data.user, data.document);
  return {
    user: data.user,
    documentId: data.document,
    opened: data.opened,
    signature: null,
    root: null,
    sentences: [], // {id, paragraph, revision, text, node}
    indexById: new Map(),
    saved: new Map(), // sentence id -> label, as the server last said
    outbox: stored.outbox, // {client_id, sentence_id, revision, value, action}, in typing order
    refused: stored.refused, // {item, reason, text}
    elsewhere: otherArticlesOutbox(data.user, data.document),
    undo: [], // {sentence_id, revision, before}: this page's own saves, newest last
    cursor: 0,
    stage: "source", // "source" | "confidence" | "other" | "goto" | "mention" | "cue" | "via"
    evidenceReturn: "source", // the stage a mention, cue or via stage goes back to
    otherFor: null, // "via" while the other-source box names a source of the chain
    marked: new Set(), // indices of sentences whose text is drawn with marks
    drag: null, // where a drag over words started: {index, offset}
    dragged: false, // the mouse moved over words since it was pressed: the click that ends it is no move
    draft: null,
    goto: "",
    warning: null,
    message: null,
    inFlightSince: null,
    unansweredSince: null, // the first send the server has not answered yet
    seq: 0, // numbers each exchange; the server says which one it answered last
    keysSinceRequest: 0, // keys acted on since the panel last asked the server for something
    keysShown: false,
    send: null,
    save: null, // {url, token} of the server's save route, when it has one
    suggested: null, // the stamp of the suggestions shown
    overallElsewhere: 0,
    overallTotal: 0,
  };
}

function shownLabel(p, sentenceId) {
  for (let i = p.outbox.length - 1; i >= 0; i--) {
    if (p.outbox[i].sentence_id === sentenceId) return p.outbox[i].value;
  }
  return p.saved.has(sentenceId) ? p.saved.get(sentenceId) : null;
}

function isPending(p, sentenceId) {
  return p.outbox.some((item) => item.sentence_id === sentenceId);
}

function refusalOf(p, sentenceId) {
  return p.refused.find((entry) => entry.item.sentence_id === sentenceId) || null;
}

function draftFor(p, index) {
  const sentence = p.sentences[index];
  const label = sentence ? shownLabel(p, sentence.id) : null;
  const suggestion = label === null && p.suggestions ? p.suggestions.get(index) : undefined;
  if (suggestion) {
    // Pre-selected, its evidence pre-marked: Enter accepts it; any other key overrides it.
    return {
      is_claim: suggestion.is_claim,
      source: suggestion.is_claim ? suggestion.source : null,
      other: suggestion.source_other || "",
      confidence: suggestion.confidence,
      note: "",
      flagged: false,
      cue: suggestion.is_claim ? suggestedSpan(p, index, suggestion.cue) : null,
      source_mention: suggestion.is_claim ? suggestedSpan(p, index, suggestion.mention) : null,
      via: [],
      suggested: true,
    };
  }
  return {
    is_claim: label ? label.is_claim : null,
    source: label && label.is_claim ? label.source : null,
    other: (label && label.source_other) || "",
    confidence: label ? label.confidence : null,
    note: label ? label.note : "",
    flagged: label ? label.flagged : false,
    cue: (label && label.cue) || null,
    source_mention: (label && label.source_mention) || null,
    via: label && label.via ? [...label.via] : [],
  };
}

export default function ({ parentElement, data: payload, setTriggerValue }) {
  const data = JSON.parse(decoder.decode(payload));
  const root = parentElement.querySelector(".ann-labeller");
  const sameArticle = panel !== null && panel.user === data.user && panel.documentId === data.document;
  if (data.article === null) {
    // The server sends the article whole only when this page's session has not had it as it
    // is now; otherwise its id and signature, and the panel keeps the one it has.
    if (sameArticle && panel.signature === data.signature) {
      data.article = panel.article;
    } else {
      // Not here (a render cut short, a page drawn afresh): ask for it, with the outbox.
      if (panel !== null && panel.user === data.user) {
        panel.send = setTriggerValue;
        flush(panel, "article");
      } else {
        setTriggerValue("action", { seq: data.seq, labels: [], request: "article" });
      }
      return () => {};
    }
  }
  let moveToStart = false;
  if (sameArticle && panel.opened !== data.opened) {
    // The same article opened again: a new server session (a reconnect, a restart) or the
    // annotator choosing it anew. What was typed stays; the cursor goes to the server's
    // start only when asked and nothing was typed since the asking.
    moveToStart = data.opened_by === "asked" && panel.keysSinceRequest === 0;
    panel.opened = data.opened;
  }
  if (!sameArticle) {
    panel = newPanel(data);
    panel.cursor = Math.max(0, data.start);
  }
  panel.send = setTriggerValue;
  receive(panel, data, root);
  if (moveToStart) moveTo(panel, data.start);
  if (!listening) {
    // One listener for the page's life, not one per render: Streamlit may unmount and mount
    // the panel again (a slow rerun cut short), and a key pressed in between must still
    // count. The panel's state lives here, not in its DOM, which is drawn again from it.
    document.addEventListener("keydown", (event) => panel && onKey(panel, event));
    setInterval(() => {
      if (panel === null || !onAnnotatePage()) return;
      flush(panel);
      renderOutbox(panel);
    }, 1000);
    listening = true;
  }
  // Nothing to clean up: the state must outlive a remount; keys and resends stop by
  // themselves when no panel is on the page (another page, a logout).
  return () => {};
}

function onAnnotatePage() {
  return document.querySelector('[data-testid="labeller"]') !== null;
}

// --- what the server sent ------------------------------------------------------------------

function receive(p, data, root) {
  const article = data.article;
  p.article = article;
  p.sourceByKey = new Map(article.sources.map((s, i) => [s.key, { ...s, colour: i % 10 }]));
  p.sourceByShortcut = new Map(article.sources.filter((s) => s.shortcut).map((s) => [s.shortcut, s]));
  p.confidenceByKey = new Map(article.confidence.map((c) => [String(c.value), c]));
  p.saved = new Map(Object.entries(data.labels).map(([id, row]) => [Number(id), asLabel(row)]));
  p.suggestions = new Map(
    Object.entries(data.suggestions || {}).map(([index, [is_claim, source, source_other, cue, mention, reason, model, confidence]]) => [
      Number(index),
      { is_claim, source, source_other, cue, mention, reason, model, confidence },
    ]),
  );
  p.message = data.message;
  p.save = data.save || null;
  p.suggested = data.suggested;
  // The annotator's labels outside this article; those in it are counted here as they are
  // acknowledged, which the save route does without a new render from the server.
  p.overallElsewhere = data.overall[0] - p.saved.size;
  p.overallTotal = data.overall[1];
  const articleChanged = article.signature !== p.signature;
  if (articleChanged) {
    const shown = p.sentences[p.cursor] || null;
    // A sentence's revision is its span of the document ("start-end"): spans are sent in
    // document offsets, the sentence's start plus the offset in its text.
    p.sentences = article.sentences.map(([id, paragraph, revision, text]) => ({ id, paragraph, revision, text, start: Number(revision.split("-")[0]), node: null, words: null }));
    p.indexById = new Map(p.sentences.map((s, i) => [s.id, i]));
    if (shown !== null && p.indexById.has(shown.id)) p.cursor = p.indexById.get(shown.id);
    p.cursor = Math.min(Math.max(0, p.cursor), Math.max(0, p.sentences.length - 1));
    p.signature = article.signature;
    const now = p.sentences[p.cursor];
    // What is being typed stays, unless the sentence it is for was merged or split meanwhile.
    if (shown === null || !now || now.id !== shown.id || now.revision !== shown.revision) p.draft = null;
  }
  if (p.draft === null) {
    p.draft = draftFor(p, p.cursor);
    p.stage = "source";
  }
  takeAcks(p, data.acks);
  // The server has answered the newest exchange: what is still in the outbox was typed since.
  if (data.seq >= p.seq) p.inFlightSince = p.unansweredSince = null;
  if (root !== p.root) mount(p, root);
  else if (articleChanged) buildReading(p);
  renderAll(p);
  flush(p);
}

function takeAcks(p, acks) {
  let any = false;
  const refusedNow = [];
  const keepOutbox = [];
  for (const item of p.outbox) {
    const ack = acks[item.client_id];
    if (!ack) {
      keepOutbox.push(item);
      continue;
    }
    any = true;
    const [, outcome, reason] = ack;
    if (outcome === "refused") {
      const index = p.indexById.get(item.sentence_id);
      refusedNow.push({ item, reason, text: index === undefined ? null : p.sentences[index].text, number: index === undefined ? null : index + 1 });
    } else if (item.value === null) p.saved.delete(item.sentence_id);
    else p.saved.set(item.sentence_id, item.value);
  }
  p.outbox = keepOutbox;
  const stillElsewhere = p.elsewhere.filter((item) => !acks[item.client_id]);
  if (stillElsewhere.length !== p.elsewhere.length) any = true;
  p.elsewhere = stillElsewhere;
  if (refusedNow.length) {
    const fixed = new Set(refusedNow.map((entry) => entry.item.sentence_id));
    p.refused = [...p.refused.filter((entry) => !fixed.has(entry.item.sentence_id)), ...refusedNow];
  }
  if (any) persist(p);
  return any;
}

// --- sending ---------------------------------------------------------------------------------

function flush(p, request = null) {
  const waiting = [...p.elsewhere, ...p.outbox];
  if (!waiting.length && request === null) return;
  const now = performance.now();
  if (request === null && p.inFlightSince !== null && now - p.inFlightSince < RESEND_AFTER_MS) return;
  p.inFlightSince = now;
  if (p.unansweredSince === null) p.unansweredSince = now;
  const labels = waiting.slice(0, MAX_SENT).map(({ client_id, sentence_id, revision, value, action }) => ({
    client_id,
    sentence_id,
    revision,
    value,
    action,
  }));
  if (request === null && p.save) post(p, p.save, labels);
  else {
    if (request !== null) p.keysSinceRequest = 0;
    p.seq += 1;
    p.send("action", { seq: p.seq, labels, request });
  }
  renderOutbox(p);
}

// Labels alone go to the server's save route (ui/save_route.py): one request, no rerun of the
// page. A request (a dialog, the next article) still goes as the panel's value, which reruns it.
async function post(p, save, labels) {
  let status;
  let answer;
  try {
    const response = await fetch(save.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: save.token, labels, document: p.documentId }),
      credentials: "same-origin",
      cache: "no-store",
    });
    status = response.status;
    answer = await response.json();
  } catch {
    return; // no answer (server down, network gone): the labels are sent again after RESEND_AFTER_MS
  }
  p.inFlightSince = null;
  if (status === 401 || status === 404 || status === 405) {
    // 401: the login has ended; sent as the panel's value, the labels make the server show the
    // login form (they wait in the outbox until the next login). 404, 405: a server without
    // the route; the panel's value carries them instead.
    p.save = null;
    flush(p);
    return;
  }
  if (status !== 200) {
    p.message = { kind: "error", text: (answer && answer.error) || `The server answered ${status}; your labels wait in this browser.` };
    renderControls(p);
    return;
  }
  p.unansweredSince = null;
  if (answer.error) p.message = { kind: "error", text: answer.error };
  takeAcks(p, answer.acks || {});
  if (p.root) renderAll(p);
  const [signature, suggested] = answer.article || [null, null];
  // The article changed under the panel (sentences merged or split, a source added, new
  // suggestions): the page sends it anew, with whatever is still waiting.
  if (signature !== p.signature || suggested !== p.suggested) flush(p, "article");
  else flush(p); // what was typed while this one was on its way
}

function enqueue(p, sentence, value, action) {
  p.outbox.push({ client_id: newClientId(), sentence_id: sentence.id, revision: sentence.revision, value, action });
  p.refused = p.refused.filter((entry) => entry.item.sentence_id !== sentence.id);
  persist(p);
}

// --- labelling -------------------------------------------------------------------------------

function current(p) {
  return p.sentences[p.cursor] || null;
}

function sourceLabel(p, key) {
  const source = p.sourceByKey.get(key);
  return source ? source.label : key;
}

function warn(p, text) {
  p.warning = text;
  renderControls(p);
}

function moveTo(p, index) {
  if (!p.sentences.length) return;
  const target = Math.min(Math.max(0, index), p.sentences.length - 1);
  const before = p.cursor;
  p.cursor = target;
  p.draft = draftFor(p, target);
  p.stage = "source";
  p.otherFor = null;
  p.goto = "";
  p.warning = null;
  markCurrent(p, before);
  renderControls(p);
}

function needsMe(p, index) {
  return shownLabel(p, p.sentences[index].id) === null;
}

function nextNeeded(p) {
  const n = p.sentences.length;
  for (let step = 1; step <= n; step++) {
    const index = (p.cursor + step) % n;
    if (needsMe(p, index)) return moveTo(p, index);
  }
  // Nothing left here: the server knows which article needs this annotator next.
  flush(p, "next_needed");
}

function advance(p) {
  if (p.cursor < p.sentences.length - 1) moveTo(p, p.cursor + 1);
  else nextNeeded(p);
}

function save(p, value) {
  const sentence = current(p);
  if (!sentence) return;
  const before = shownLabel(p, sentence.id);
  enqueue(p, sentence, value, "save");
  p.undo.push({ sentence_id: sentence.id, revision: sentence.revision, before });
  markState(p, p.cursor);
  advance(p);
  flush(p);
}

function claim(p, source, confidence) {
  const other = source === p.article.other_key ? p.draft.other.trim() : null;
  const { note, flagged, cue, source_mention, via } = p.draft;
  return { is_claim: true, source, source_other: other || null, confidence, note, flagged, cue, source_mention, via: [...via] };
}

function notAClaim(p) {
  const { note, flagged } = p.draft;
  save(p, { is_claim: false, source: null, source_other: null, confidence: null, note, flagged, cue: null, source_mention: null, via: [] });
}

function pickSource(p, key) {
  // A suggested mention names the suggested source: another source drops it (the cue stays).
  if (p.draft.suggested && key !== p.draft.source) p.draft.source_mention = null;
  if (key === p.article.other_key) {
    p.stage = "other";
    p.otherFor = null;
    p.warning = null;
    renderControls(p);
    const input = p.root.querySelector(".ann-other input");
    input.value = p.draft.other;
    input.focus();
    input.select();
    return;
  }
  Object.assign(p.draft, { source: key, is_claim: true, confidence: null, suggested: false });
  p.stage = "confidence";
  p.warning = null;
  renderControls(p);
}

function confirmOther(p) {
  const input = p.root.querySelector(".ann-other input");
  const name = input.value.trim();
  if (!name) return warn(p, "Type the other source's name, then Enter (Esc goes back).");
  input.blur();
  if (p.otherFor === "via") {
    p.otherFor = null;
    p.stage = "via";
    return addVia(p, `other:${name}`);
  }
  Object.assign(p.draft, { other: name, source: p.article.other_key, is_claim: true, confidence: null, suggested: false });
  p.stage = "confidence";
  p.warning = null;
  renderControls(p);
}

function pickConfidence(p, value) {
  if (p.draft.source === null) return warn(p, "Pick a source first (or N: not a claim).");
  save(p, claim(p, p.draft.source, value));
}

function sameAsPrevious(p) {
  const previous = p.cursor > 0 ? shownLabel(p, p.sentences[p.cursor - 1].id) : null;
  if (!previous || !previous.is_claim || previous.source === null) {
    return warn(p, "The previous sentence has no source of yours to repeat.");
  }
  // The same source: the words naming it may be those of the previous sentence (carried over).
  const mention = (!p.draft.suggested && p.draft.source_mention) || previous.source_mention || null;
  Object.assign(p.draft, { source: previous.source, other: previous.source_other || "", is_claim: true, confidence: null, suggested: false, source_mention: mention });
  p.stage = "confidence";
  p.warning = null;
  renderControls(p);
}

function saveAndNext(p) {
  const sentence = current(p);
  if (!sentence) return;
  const draft = p.draft;
  const stored = shownLabel(p, sentence.id);
  if (draft.source !== null) {
    if (draft.confidence === null && p.article.confidence_required) {
      return warn(p, "How sure are you? Type a confidence (1–5) first: this project needs one for every claim.");
    }
    const value = claim(p, draft.source, draft.confidence);
    return sameLabel(value, stored) ? advance(p) : save(p, value);
  }
  if (draft.is_claim === false && stored === null) return notAClaim(p); // a suggestion accepted
  if (stored !== null) {
    // The stored label with the note and flag as they are now.
    const value = { ...stored, note: draft.note, flagged: draft.flagged };
    return sameLabel(value, stored) ? advance(p) : save(p, value);
  }
  warn(p, "Nothing to save yet: pick a source, or N for not a claim.");
}

function undo(p) {
  const last = p.undo.pop();
  if (!last) return warn(p, "Nothing to undo: you have not saved anything on this page yet.");
  const index = p.indexById.get(last.sentence_id);
  if (index === undefined) return warn(p, "That sentence no longer exists: an admin merged it away.");
  const sentence = { id: last.sentence_id, revision: last.revision };
  enqueue(p, sentence, last.before, "undo");
  markState(p, index);
  moveTo(p, index);
  flush(p);
}

function toggleFlag(p) {
  p.draft.flagged = !p.draft.flagged;
  renderControls(p);
}

// --- evidence: the words naming the source, the cue, the sources it cites ----------------------
//
// Spans are kept as the server takes them: {char_start, char_end, text} in document offsets.
// A span lies within one sentence (the panel has the sentences' text, not what lies between
// them): the cue in the sentence being labelled, the mention there or in an earlier sentence.

const EVIDENCE_STAGES = new Set(["mention", "cue", "via"]);
const FIELD = { mention: "source_mention", cue: "cue" };
// Letters, digits and the marks inside a word ("Trump's", "US-Russia", "U.S").
const WORD = /[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*/gu;
const MAX_VIA = 8;
const CITES_NO_ONE = new Set(["author"]); // the outlet's own voice (keys.py: SPECIAL_KEYS)

function evidenceKeys(p) {
  // Declared in annotator/domain/keys.py and sent with the article.
  const keys = p.article.keys;
  return { mention: keys.mention, cue: keys.cue, via: keys.via };
}

function wordsOf(sentence) {
  if (sentence.words === null) sentence.words = [...sentence.text.matchAll(WORD)].map((m) => [m.index, m.index + m[0].length]);
  return sentence.words;
}

function spanOf(p, at) {
  const sentence = p.sentences[at.index];
  return { char_start: sentence.start + at.a, char_end: sentence.start + at.b, text: sentence.text.slice(at.a, at.b) };
}

// Where a span lies: {index, a, b} in the sentence's text, or null when no one sentence holds it.
function locate(p, span) {
  if (!span) return null;
  let low = 0;
  let high = p.sentences.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const sentence = p.sentences[middle];
    if (span.char_start < sentence.start) high = middle - 1;
    else if (span.char_start >= sentence.start + sentence.text.length) low = middle + 1;
    else {
      const a = span.char_start - sentence.start;
      const b = span.char_end - sentence.start;
      return b > a && b <= sentence.text.length ? { index: middle, a, b } : null;
    }
  }
  return null;
}

// A suggestion's span ([start, end] in the sentence's text; before 0 for a carried-over mention).
function suggestedSpan(p, index, span) {
  if (!span || !p.sentences[index]) return null;
  const start = p.sentences[index].start;
  const at = locate(p, { char_start: start + span[0], char_end: start + span[1] });
  return at ? spanOf(p, at) : null;
}

// Where M or C first puts its span: the first word of the sentence; the cue right after a
// mention marked in the sentence, to the end of that word (in "Postcited", the "cited").
function firstSpan(p, kind) {
  const index = p.cursor;
  const sentence = p.sentences[index];
  const words = wordsOf(sentence);
  if (!words.length) return null;
  const mention = kind === "cue" ? locate(p, p.draft.source_mention) : null;
  if (mention && mention.index === index) {
    let from = mention.b;
    while (from < sentence.text.length && !/[\p{L}\p{N}]/u.test(sentence.text[from])) from++;
    const word = words.find(([, end]) => end > from);
    if (word) return { index, a: Math.max(from, word[0]), b: word[1] };
  }
  return { index, a: words[0][0], b: words[0][1] };
}

// A one-word span in the next or previous sentence that has words: the mention may move back
// to where the source was named, never past the sentence being labelled; the cue stays.
function hop(p, kind, index, step) {
  if (kind !== "mention") return null;
  for (let i = index + step; i >= 0 && i <= p.cursor; i += step) {
    const words = wordsOf(p.sentences[i]);
    if (words.length) {
      const [a, b] = step < 0 ? words[words.length - 1] : words[0];
      return { index: i, a, b };
    }
  }
  return null;
}

const SPACE = /\s/;

// One arrow key on a span. Whole words: → / ← move its end, Shift+→ / Shift+← its start; a
// one-word span that would vanish moves instead. With Ctrl: one character (words run together
// in some texts, as "Postcited" in the sample).
function moved(p, kind, at, { right, shift, ctrl }) {
  const { index, a, b } = at;
  const text = p.sentences[index].text;
  if (ctrl) {
    let x;
    if (!shift && right) for (x = b + 1; x < text.length && SPACE.test(text[x - 1]); x++);
    else if (!shift) for (x = b - 1; x > a && SPACE.test(text[x - 1]); x--);
    else if (right) for (x = a + 1; x < b && SPACE.test(text[x]); x++);
    else for (x = a - 1; x > 0 && SPACE.test(text[x]); x--);
    if (!shift) return x > a && x <= text.length ? { index, a, b: x } : null;
    return x >= 0 && x < b ? { index, a: x, b } : null;
  }
  const words = wordsOf(p.sentences[index]);
  const after = (x, at) => words.find((w) => w[at] > x);
  const before = (x, at) => words.findLast((w) => w[at] < x);
  if (!shift && right) {
    const word = after(b, 1);
    return word ? { index, a, b: word[1] } : hop(p, kind, index, 1);
  }
  if (!shift) {
    const word = before(b, 1);
    if (word && word[1] > a) return { index, a, b: word[1] };
    const previous = before(a, 0);
    return previous ? { index, a: previous[0], b: previous[1] } : hop(p, kind, index, -1);
  }
  if (right) {
    const word = after(a, 0);
    if (word && word[0] < b) return { index, a: word[0], b };
    return word ? { index, a: word[0], b: word[1] } : hop(p, kind, index, 1);
  }
  const word = before(a, 0);
  return word ? { index, a: word[0], b } : hop(p, kind, index, -1);
}

function startEvidence(p, kind) {
  if (!current(p)) return;
  if (kind === "via" && p.draft.source === null) return warn(p, "Pick the source first: the chain is the sources it cites.");
  if (!EVIDENCE_STAGES.has(p.stage)) p.evidenceReturn = p.stage === "confidence" ? "confidence" : "source";
  p.stage = kind;
  p.warning = null;
  if (kind !== "via" && !p.draft[FIELD[kind]]) {
    const at = firstSpan(p, kind);
    if (!at) return finishEvidence(p, "This sentence has no words to mark.");
    p.draft[FIELD[kind]] = spanOf(p, at);
  }
  renderControls(p);
}

function finishEvidence(p, warning = null) {
  p.stage = p.evidenceReturn;
  p.otherFor = null;
  p.warning = warning;
  renderControls(p);
}

function spanKeyDown(p, key, mods) {
  const kind = p.stage;
  const field = FIELD[kind];
  if (key === "ArrowRight" || key === "ArrowLeft") {
    const at = locate(p, p.draft[field]);
    const next = at ? moved(p, kind, at, { right: key === "ArrowRight", ...mods }) : firstSpan(p, kind);
    if (next) p.draft[field] = spanOf(p, next);
    renderControls(p);
  } else if (key === "Backspace" || key === "Delete") {
    p.draft[field] = null;
    renderControls(p);
  } else if (key === "Enter" || key === "Escape") finishEvidence(p);
  else return false;
  return true;
}

function addVia(p, entry) {
  const via = p.draft.via;
  if (entry === p.draft.source) warn(p, "That is the source itself: the chain lists the sources it cites.");
  else if (via.includes(entry)) warn(p, "That source is in the chain already.");
  else if (via.length >= MAX_VIA) warn(p, `A chain holds at most ${MAX_VIA} sources.`);
  else {
    via.push(entry);
    p.warning = null;
    renderControls(p);
  }
}

function viaKeyDown(p, key) {
  const source = p.sourceByShortcut.get(key);
  if (key === "Backspace" || key === "Delete") {
    p.draft.via.pop();
    renderControls(p);
  } else if (key === "Enter" || key === "Escape") finishEvidence(p);
  else if (source && source.key === p.article.other_key) viaOther(p);
  else if (source && CITES_NO_ONE.has(source.key)) warn(p, `${source.label} cites no one: pick a source of the article's list, or O to type a name.`);
  else if (source) addVia(p, source.key);
  else return false;
  return true;
}

// A source of the chain that is not on the article's list: its name, typed ("other:NAME").
function viaOther(p) {
  p.stage = "other";
  p.otherFor = "via";
  renderControls(p);
  const input = p.root.querySelector(".ann-other input");
  input.value = "";
  input.focus();
}

function viaText(p, entry) {
  return entry.startsWith("other:") ? entry.slice("other:".length) : sourceLabel(p, entry);
}

// The spans drawn: the draft's, on the current sentence (and the earlier one a mention lies in).
function drawEvidence(p) {
  const wanted = new Map();
  for (const kind of ["mention", "cue"]) {
    const at = locate(p, p.draft && p.draft[FIELD[kind]]);
    if (!at || !p.sentences[at.index].node) continue;
    if (!wanted.has(at.index)) wanted.set(at.index, []);
    wanted.get(at.index).push([at.a, at.b, kind]);
  }
  for (const index of new Set([...p.marked, ...wanted.keys()])) {
    if (p.sentences[index] && p.sentences[index].node) drawText(p, index, wanted.get(index) || []);
  }
  p.marked = new Set(wanted.keys());
}

// A drag over words marks a span, snapped to whole words, drawn as the mouse moves: in the
// mention or cue stage, that span; otherwise the mention if none is marked (or the words lie in
// an earlier sentence), else the cue. The panel follows the mouse itself rather than reading
// the browser's selection, which Chromium does not always extend over the reading column.
const DRAG_PX = 5; // less is a click (moves to the sentence) with a shaky hand

function dragStart(p, event) {
  const at = event.button === 0 ? pointAt(event.clientX, event.clientY) : null;
  p.drag = at && { ...at, x: event.clientX, y: event.clientY };
  p.dragged = false;
  if (p.drag) p.root.querySelector(".ann-reading").classList.add("dragging");
}

function dragMove(p, event, done) {
  const from = p.drag;
  if (!from) return;
  if (done) {
    p.drag = null;
    p.root.querySelector(".ann-reading").classList.remove("dragging");
  } else if (!(event.buttons & 1)) return dragMove(p, event, true);
  const to = pointAt(event.clientX, event.clientY);
  if (!to || (!p.dragged && Math.hypot(event.clientX - from.x, event.clientY - from.y) < DRAG_PX)) return;
  if (from.index > p.cursor) return; // nothing to mark in a later sentence: a click goes there
  p.dragged = true;
  if (to.index !== from.index) return done && warn(p, "A span lies within one sentence: drag over words of one sentence.");
  const index = from.index;
  let kind = p.stage === "mention" || p.stage === "cue" ? p.stage : index < p.cursor || !p.draft.source_mention ? "mention" : "cue";
  if (kind === "cue" && index !== p.cursor) {
    if (p.stage === "cue") return done && warn(p, "The cue lies in the sentence being labelled.");
    kind = "mention";
  }
  const [low, high] = from.offset < to.offset ? [from.offset, to.offset] : [to.offset, from.offset];
  const words = wordsOf(p.sentences[index]).filter(([a, b]) => b > low && a < high);
  if (!words.length) return;
  const span = spanOf(p, { index, a: words[0][0], b: words[words.length - 1][1] });
  if (p.stage !== kind) startEvidence(p, kind);
  if (p.stage !== kind || spanKey(span) === spanKey(p.draft[FIELD[kind]])) return;
  p.draft[FIELD[kind]] = span;
  renderControls(p);
}

// The sentence and the offset in its text under the mouse, or null outside the sentences.
function pointAt(x, y) {
  let node = null;
  let offset = 0;
  if (document.caretPositionFromPoint) {
    const caret = document.caretPositionFromPoint(x, y);
    if (caret) [node, offset] = [caret.offsetNode, caret.offset];
  } else if (document.caretRangeFromPoint) {
    const caret = document.caretRangeFromPoint(x, y);
    if (caret) [node, offset] = [caret.startContainer, caret.startOffset];
  }
  if (!node) return null;
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const sentence = element && element.closest("[data-sentence-index]");
  const holder = sentence && sentence.querySelector(".sent-text");
  if (!holder || !holder.contains(node)) return null;
  const range = document.createRange();
  range.setStart(holder, 0);
  range.setEnd(node, offset);
  return { index: Number(sentence.dataset.sentenceIndex), offset: range.toString().length };
}

// --- keys --------------------------------------------------------------------------------------

function onKey(p, event) {
  if (!onAnnotatePage()) return; // another page, or logged out: the keys are not the panel's
  const target = event.composedPath()[0];
  if (event.metaKey || event.altKey || MODIFIERS.has(event.key)) return; // Shift alone is no key of ours
  // A dialog (choose an article, propose a source) has the keys while it is open.
  if (document.querySelector('[role="dialog"]')) return;
  const arrow = event.key === "ArrowRight" || event.key === "ArrowLeft";
  if (event.ctrlKey && !(arrow && (p.stage === "mention" || p.stage === "cue"))) {
    if (event.key.toLowerCase() === "z" && !isTyping(target)) {
      event.preventDefault();
      undo(p);
    }
    return;
  }
  if (target && target.closest && target.closest(".ann-other")) {
    if (event.key === "Enter") confirmOther(p);
    else if (event.key === "Escape") {
      target.blur();
      p.stage = p.otherFor === "via" ? "via" : "source";
      p.otherFor = null;
      renderControls(p);
    } else return;
    event.preventDefault();
    return;
  }
  if (isTyping(target)) {
    if (event.key === "Escape") target.blur();
    return;
  }
  // A focused button or link (reached with Tab) does its own thing on Enter or Space.
  if (target && ACTIVATED_BY_KEYS.has(target.tagName) && (event.key === "Enter" || event.key === " ")) return;
  if (event.repeat && event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
  const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  if (handleKey(p, key, { shift: event.shiftKey, ctrl: event.ctrlKey })) {
    p.keysSinceRequest += 1;
    event.preventDefault();
  }
}

function handleKey(p, key, mods = { shift: false, ctrl: false }) {
  const keys = p.article.keys;
  const evidence = evidenceKeys(p);
  if (p.stage === "goto") {
    if (/^[0-9]$/.test(key)) {
      p.goto += key;
      renderControls(p);
    } else if (key === "Enter") {
      const number = Number(p.goto);
      if (number >= 1 && number <= p.sentences.length) moveTo(p, number - 1);
      else warn(p, `There is no sentence ${p.goto || "?"}: type a number from 1 to ${p.sentences.length}.`);
    } else if (key === "Escape" || key === "Backspace") {
      p.goto = key === "Backspace" ? p.goto.slice(0, -1) : "";
      if (key === "Escape") p.stage = "source";
      renderControls(p);
    } else return false;
    return true;
  }
  if (EVIDENCE_STAGES.has(p.stage)) {
    if (key === evidence.mention && p.stage !== "mention") return startEvidence(p, "mention"), true;
    if (key === evidence.cue && p.stage !== "cue") return startEvidence(p, "cue"), true;
    if (key === evidence.via && p.stage !== "via") return startEvidence(p, "via"), true;
    if (p.stage === "via" ? viaKeyDown(p, key) : spanKeyDown(p, key, mods)) return true;
    // Any other key ends the marking and means what it means without it (a digit after a
    // marked span is the confidence, which saves).
    finishEvidence(p);
  }
  if (key === "Enter") saveAndNext(p);
  else if (key === "ArrowLeft") p.cursor > 0 && moveTo(p, p.cursor - 1);
  else if (key === "ArrowRight") p.cursor < p.sentences.length - 1 && moveTo(p, p.cursor + 1);
  else if (key === keys.next_needed) nextNeeded(p);
  else if (key === keys.undo) undo(p);
  else if (key === keys.flag) toggleFlag(p);
  else if (key === evidence.mention) startEvidence(p, "mention");
  else if (key === evidence.cue) startEvidence(p, "cue");
  else if (key === evidence.via) startEvidence(p, "via");
  else if (key === keys.go_to) {
    p.stage = "goto";
    p.goto = "";
    renderControls(p);
  } else if (key === "?") {
    p.keysShown = !p.keysShown;
    p.root.querySelector(".ann-keys").hidden = !p.keysShown;
  } else if (key === "/") {
    p.root.querySelector(".ann-note textarea").focus();
  } else if (p.stage === "confidence") {
    const value = p.confidenceByKey.get(key);
    const source = p.sourceByShortcut.get(key);
    if (value) pickConfidence(p, value.value);
    else if (key === "Escape") {
      p.stage = "source";
      renderControls(p);
    } else if (key === keys.not_claim) notAClaim(p);
    else if (source) pickSource(p, source.key); // changed one's mind about the source
    else return false;
  } else if (key === keys.not_claim) notAClaim(p);
  else if (key === keys.same_as_previous) sameAsPrevious(p);
  else {
    const source = p.sourceByShortcut.get(key);
    if (!source) return false;
    pickSource(p, source.key);
  }
  return true;
}

// --- drawing -----------------------------------------------------------------------------------

function mount(p, root) {
  p.root = root;
  root.querySelector(".ann-note textarea").addEventListener("input", (e) => {
    if (panel) panel.draft.note = e.target.value;
  });
  root.querySelector(".ann-flag input").addEventListener("change", (e) => {
    if (!panel) return;
    panel.draft.flagged = e.target.checked;
    e.target.blur(); // a ticked box must not keep the keys from the panel
  });
  const reading = root.querySelector(".ann-reading");
  reading.addEventListener("mousedown", (e) => panel && dragStart(panel, e));
  reading.addEventListener("mousemove", (e) => panel && dragMove(panel, e, false));
  reading.addEventListener("mouseup", (e) => panel && dragMove(panel, e, true));
  reading.addEventListener("click", (e) => {
    const node = e.target.closest("[data-sentence-index]");
    if (panel && panel.dragged) panel.dragged = false; // the end of a drag over words, not a move
    else if (node && panel) moveTo(panel, Number(node.dataset.sentenceIndex));
  });
  const help = root.querySelector(".ann-keys ul");
  help.replaceChildren(
    ...p.article.key_help.map(([keys, what]) => {
      const item = el("li");
      item.append(el("kbd", {}, keys), " ", what);
      return item;
    }),
  );
  buildReading(p);
}

function buildReading(p) {
  const reading = p.root.querySelector(".ann-reading");
  const paragraphs = [];
  let paragraph = null;
  let current = null;
  p.sentences.forEach((sentence, index) => {
    if (sentence.paragraph !== paragraph || current === null) {
      current = el("p");
      paragraphs.push(current);
      paragraph = sentence.paragraph;
    } else {
      current.append(" ");
    }
    const node = el("span", { class: "sent", "data-sentence-index": String(index), "data-sentence-id": String(sentence.id) });
    node.append(el("span", { class: "sent-text" }, sentence.text), el("span", { class: "sr-only sent-state" }));
    sentence.node = node;
    current.append(node);
  });
  reading.replaceChildren(...paragraphs);
  p.marked = new Set(); // new nodes: nothing is marked in them yet
  p.sentences.forEach((_, index) => markState(p, index));
  markCurrent(p, null);
}

function stateOf(p, index) {
  const sentence = p.sentences[index];
  const label = shownLabel(p, sentence.id);
  const refusal = refusalOf(p, sentence.id);
  if (isPending(p, sentence.id)) return { state: "pending", label };
  if (refusal) return { state: "refused", label, reason: refusal.reason };
  if (label === null) return { state: "none", label };
  return { state: label.is_claim ? "saved" : "not-claim", label };
}

function describe(p, info) {
  const label = info.label;
  const what = label === null
    ? "no label"
    : label.is_claim
      ? `${label.source === p.article.other_key ? label.source_other || "other" : sourceLabel(p, label.source)}${label.confidence ? `, confidence ${label.confidence}` : ""}`
      : "not a claim";
  const flag = label && label.flagged ? ", flagged" : "";
  const via = label && label.is_claim && label.via && label.via.length ? `, citing ${label.via.map((entry) => viaText(p, entry)).join(" ← ")}` : "";
  switch (info.state) {
    case "pending":
      return `sending: ${what}${via}${flag}`;
    case "refused":
      return `not saved: ${info.reason}`;
    case "none":
      return "not labelled";
    default:
      return `saved: ${what}${via}${flag}`;
  }
}

function markState(p, index) {
  const sentence = p.sentences[index];
  if (!sentence || !sentence.node) return;
  const info = stateOf(p, index);
  const node = sentence.node;
  const text = `(sentence ${index + 1}: ${describe(p, info)})`;
  const source = info.label && info.label.is_claim && p.sourceByKey.has(info.label.source) ? String(p.sourceByKey.get(info.label.source).colour) : "";
  // Every exchange re-marks the whole article: touch the DOM only where something changed.
  if (node.title === text && node.dataset.state === info.state && node.dataset.source === source) return;
  node.dataset.state = info.state;
  node.dataset.source = source;
  node.classList.toggle("flagged", Boolean(info.label && info.label.flagged));
  node.lastChild.textContent = ` ${text}`;
  node.title = text;
}

// A sentence's text with its marked spans (as text nodes: article text is never markup).
// Overlapping spans: the first one wins.
function drawText(p, index, spans) {
  const sentence = p.sentences[index];
  const holder = sentence.node.firstChild;
  const suggested = Boolean(p.draft && p.draft.suggested);
  const signature = spans.length ? JSON.stringify([spans, suggested]) : "";
  if ((holder.dataset.marks || "") === signature) return;
  spans.sort((x, y) => x[0] - y[0]);
  const parts = [];
  let at = 0;
  for (const [start, end, kind] of spans) {
    if (start < at) continue;
    const what = kind === "cue" ? "cue" : "source mention";
    parts.push(document.createTextNode(sentence.text.slice(at, start)));
    parts.push(el("mark", { class: `ev-${kind}${suggested ? ` suggested-${kind}` : ""}`, "data-kind": kind, title: suggested ? `suggested ${what}` : what }, sentence.text.slice(start, end)));
    at = end;
  }
  parts.push(document.createTextNode(sentence.text.slice(at)));
  holder.replaceChildren(...parts);
  holder.dataset.marks = signature;
}

function markCurrent(p, before) {
  if (before !== null && p.sentences[before] && p.sentences[before].node) {
    p.sentences[before].node.removeAttribute("aria-current");
    p.sentences[before].node.classList.remove("current");
  }
  const sentence = current(p);
  if (!sentence || !sentence.node) return;
  sentence.node.setAttribute("aria-current", "true");
  sentence.node.classList.add("current");
  const box = p.root.querySelector(".ann-reading");
  const top = sentence.node.offsetTop; // the box is the sentences' offset parent
  if (top < box.scrollTop || top + sentence.node.offsetHeight > box.scrollTop + box.clientHeight) {
    box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }
}

function renderAll(p) {
  p.root.dataset.document = p.documentId; // lets a test or a script tell which article is shown
  p.root.querySelector(".ann-title").textContent = p.article.title;
  p.sentences.forEach((_, index) => markState(p, index));
  markCurrent(p, null);
  renderRefused(p);
  renderControls(p);
}

function button(label, { key, primary = false, disabled = false, shortcut = null, title = null, extra = "" }, onClick) {
  const node = el("button", { type: "button", class: `ann-btn${primary ? " primary" : ""}${extra}`, "data-key": key, disabled, title });
  if (shortcut) node.append(el("kbd", {}, shortcut));
  node.append(document.createTextNode(label));
  node.addEventListener("click", (event) => {
    // Give the focus back to the page, so that Enter means "save & next" again, not
    // "press this button once more".
    node.blur();
    if (panel) onClick(event);
  });
  return node;
}

function renderControls(p) {
  const root = p.root;
  // The buttons are drawn anew; a button reached with Tab keeps the focus across that.
  const focused = document.activeElement;
  const focusedKey = focused && root.contains(focused) && focused.tagName === "BUTTON" ? focused.dataset.key : null;
  const sentence = current(p);
  const stage = p.stage;
  const draft = p.draft;
  const total = p.sentences.length;
  const done = p.sentences.filter((s) => shownLabel(p, s.id) !== null).length;
  renderProgress(root, "article", done, total);
  renderProgress(root, "overall", p.overallElsewhere + p.saved.size, p.overallTotal);
  const info = sentence ? stateOf(p, p.cursor) : null;
  root.querySelector(".ann-position").textContent = sentence
    ? `Sentence ${p.cursor + 1} of ${total} · ${describe(p, info)}`
    : "This article has no sentences.";

  const message = root.querySelector(".ann-message");
  const shown = p.warning ? { kind: "warning", text: p.warning } : p.message;
  message.className = "ann-message" + (shown ? ` ${shown.kind}` : "");
  message.textContent = shown ? shown.text : "";

  const prompt = root.querySelector(".ann-prompt");
  const evidence = evidenceKeys(p);
  prompt.replaceChildren();
  if (stage === "confidence") {
    prompt.append(el("strong", {}, "How sure are you"), " that it is ", el("em", {}, draft.source === p.article.other_key ? draft.other : sourceLabel(p, draft.source)));
    prompt.append("? A digit saves and moves on; ", el("strong", {}, "Esc"), " goes back. ");
    prompt.append(el("strong", {}, evidence.mention), " marks the words naming the source, ", el("strong", {}, evidence.cue), " the cue, ");
    prompt.append(el("strong", {}, evidence.via), " the sources it cites.");
  } else if (stage === "mention" || stage === "cue") {
    prompt.append(el("strong", {}, stage === "mention" ? "Marking the words that name the source" : "Marking the cue"), stage === "mention" ? " (here or in an earlier sentence): " : ": ");
    prompt.append(el("kbd", {}, "→"), el("kbd", {}, "←"), "move its end a word, ", el("kbd", {}, "Shift+→"), el("kbd", {}, "Shift+←"), "its start; ");
    prompt.append(el("kbd", {}, "Ctrl"), "with them: one letter; ", el("kbd", {}, "Backspace"), "clears; ", el("kbd", {}, "Enter"), "done. Or drag over the words.");
  } else if (stage === "via") {
    const other = p.article.other_key && p.sourceByKey.get(p.article.other_key);
    prompt.append(el("strong", {}, "Whom does it cite?"), " The sources' keys, outermost first");
    if (other && other.shortcut) prompt.append(" (", el("strong", {}, other.shortcut), " to type a name)");
    prompt.append("; ", el("kbd", {}, "Backspace"), "removes the last; ", el("kbd", {}, "Enter"), "done.");
  } else if (stage === "other" && p.otherFor === "via") {
    prompt.append(el("strong", {}, "Cited by it:"), " type the source's name, then Enter.");
  } else if (stage === "other") {
    prompt.append(el("strong", {}, "Who is it?"), " Type the source's name, then Enter.");
  } else if (stage === "goto") {
    prompt.append(el("strong", {}, "Go to sentence:"), ` ${p.goto || "…"} `, el("span", {}, `(1–${total}, Enter)`));
  } else if (draft.suggested) {
    const suggestion = p.suggestions.get(p.cursor);
    const what = draft.is_claim ? `${draft.source === p.article.other_key ? draft.other : sourceLabel(p, draft.source)}${draft.confidence ? `, confidence ${draft.confidence}` : ""}` : "not a claim";
    prompt.append(el("strong", {}, "Suggested: "), el("em", {}, what), ` (${suggestion.reason}). `);
    prompt.append(el("strong", {}, "Enter"), " accepts it; any other key overrides it.");
  } else {
    prompt.append(el("strong", {}, "Who says so?"), " Pick the source (its key shows on the button), or ");
    prompt.append(el("strong", {}, p.article.keys.not_claim), " if it is not a claim.");
  }

  const chosen = draft.is_claim === false ? null : draft.source;
  root.querySelector(".ann-sources").replaceChildren(
    ...p.article.sources.map((s) =>
      button(s.label, { key: `src_${s.key}`, primary: s.key === chosen, shortcut: stage === "source" || stage === "via" ? s.shortcut : null, extra: ` src-${p.sourceByKey.get(s.key).colour}` }, () =>
        p.stage === "via" ? (s.key === p.article.other_key ? viaOther(p) : addVia(p, s.key)) : pickSource(p, s.key),
      ),
    ),
    button("Not a claim", { key: "not_claim", primary: draft.is_claim === false, shortcut: p.article.keys.not_claim }, () => notAClaim(p)),
    button("Same source as previous", { key: "same_prev", shortcut: p.article.keys.same_as_previous }, () => sameAsPrevious(p)),
  );
  root.querySelector(".ann-other").hidden = stage !== "other";
  renderEvidence(p, evidence);

  root.querySelector(".ann-confidence").replaceChildren(
    ...p.article.confidence.map((c) =>
      button(
        `${c.value} · ${c.label}`,
        { key: `conf_${c.value}`, primary: c.value === draft.confidence && draft.is_claim === true, shortcut: stage === "confidence" ? String(c.value) : null, title: c.description },
        () => pickConfidence(p, c.value),
      ),
    ),
    ...(stage === "confidence" ? [button("Back to source", { key: "cancel", shortcut: "Esc" }, () => { p.stage = "source"; renderControls(p); })] : []),
  );

  root.querySelector(".ann-nav").replaceChildren(
    button("Previous", { key: "prev", shortcut: "←", disabled: p.cursor === 0 }, () => moveTo(p, p.cursor - 1)),
    button("Save & next", { key: "save_next", primary: true, shortcut: "Enter" }, () => saveAndNext(p)),
    button("Next", { key: "next", shortcut: "→", disabled: p.cursor >= total - 1 }, () => moveTo(p, p.cursor + 1)),
    button("Next that needs me", { key: "next_needed", shortcut: p.article.keys.next_needed }, () => nextNeeded(p)),
    button("Undo last save", { key: "undo", shortcut: p.article.keys.undo, disabled: p.undo.length === 0 }, () => undo(p)),
  );
  root.querySelector(".ann-tools").replaceChildren(
    button("Choose article…", { key: "choose_article" }, () => flush(p, "choose_article")),
    button("Propose a new source…", { key: "propose" }, () => flush(p, "propose_source")),
    button("Guidelines", { key: "guidelines" }, () => flush(p, "guidelines")),
    button("Keys", { key: "keys", shortcut: "?" }, () => {
      p.keysShown = !p.keysShown;
      root.querySelector(".ann-keys").hidden = !p.keysShown;
    }),
  );
  if (focusedKey) {
    const again = [...root.querySelectorAll("button[data-key]")].find((node) => node.dataset.key === focusedKey);
    if (again) again.focus();
  }
  const note = root.querySelector(".ann-note textarea");
  if (document.activeElement !== note) note.value = draft.note;
  root.querySelector(".ann-flag input").checked = draft.flagged;
  renderOutbox(p);
}

function renderEvidence(p, evidence) {
  const root = p.root;
  const draft = p.draft;
  const stage = p.stage;
  root.querySelector(".ann-evidence-tools").replaceChildren(
    button("Source mention", { key: "ev_mention", primary: stage === "mention", shortcut: evidence.mention }, () => (stage === "mention" ? finishEvidence(p) : startEvidence(p, "mention"))),
    button("Cue", { key: "ev_cue", primary: stage === "cue", shortcut: evidence.cue }, () => (stage === "cue" ? finishEvidence(p) : startEvidence(p, "cue"))),
    button("Cites…", { key: "ev_via", primary: stage === "via", shortcut: evidence.via }, () => (stage === "via" ? finishEvidence(p) : startEvidence(p, "via"))),
  );
  // The marks in the text, and the same in words (for screen readers, and to read them at once).
  const line = root.querySelector(".ann-evidence");
  const parts = [];
  const mention = locate(p, draft.source_mention);
  if (draft.source_mention) {
    const where = mention && mention.index !== p.cursor ? ` (sentence ${mention.index + 1})` : "";
    parts.push([el("span", { class: "ev-name" }, "Source mention: "), el("q", { "data-testid": "evidence-mention" }, draft.source_mention.text), where]);
  }
  if (draft.cue) parts.push([el("span", { class: "ev-name" }, "Cue: "), el("q", { "data-testid": "evidence-cue" }, draft.cue.text)]);
  if (draft.via.length || stage === "via") {
    const chain = [draft.source === p.article.other_key ? draft.other || "other" : sourceLabel(p, draft.source), ...draft.via.map((entry) => viaText(p, entry))];
    parts.push([el("span", { class: "ev-name" }, "Chain: "), el("span", { "data-testid": "evidence-via" }, chain.join(" ← "))]);
  }
  line.replaceChildren(...parts.flatMap((part, i) => (i ? [" · ", ...part] : part)));
  line.hidden = parts.length === 0;
  drawEvidence(p);
}

function renderProgress(root, name, done, total) {
  const bar = root.querySelector(`.ann-progress[data-name="${name}"]`);
  bar.querySelector("progress").max = Math.max(total, 1);
  bar.querySelector("progress").value = done;
  bar.querySelector("span").textContent = `${bar.dataset.label}: ${done} of ${total}`;
}

function renderOutbox(p) {
  const box = p.root.querySelector(".ann-outbox");
  const waiting = p.outbox.length + p.elsewhere.length;
  const late = p.unansweredSince !== null && performance.now() - p.unansweredSince > RESEND_AFTER_MS - 500;
  box.dataset.waiting = String(waiting);
  box.className = `ann-outbox${late ? " late" : ""}`;
  if (waiting === 0) box.textContent = "✓ Every label is saved.";
  else if (late) box.textContent = `${waiting} label${waiting > 1 ? "s" : ""} not acknowledged yet: the server does not answer. They are kept in this browser and sent again.`;
  else box.textContent = `Saving ${waiting} label${waiting > 1 ? "s" : ""}…`;
}

function renderRefused(p) {
  const list = p.root.querySelector(".ann-refused");
  list.replaceChildren(
    ...p.refused.map((entry) => {
      const item = el("li");
      const where = entry.number !== null ? `Sentence ${entry.number}` : "A sentence";
      item.append(el("strong", {}, `${where} was not saved: `), entry.reason, " ");
      if (entry.text) item.append(el("q", {}, entry.text.length > 90 ? `${entry.text.slice(0, 90)}…` : entry.text), " ");
      const index = p.indexById.get(entry.item.sentence_id);
      if (index !== undefined) item.append(button("Go there and label it again", { key: `refused_go_${entry.item.client_id}` }, () => moveTo(p, index)));
      item.append(
        button("Dismiss", { key: `refused_dismiss_${entry.item.client_id}` }, () => {
          p.refused = p.refused.filter((other) => other !== entry);
          persist(p);
          renderAll(p);
        }),
      );
      return item;
    }),
  );
}

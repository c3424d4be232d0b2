// The fleet YAML editor: CodeMirror 6, bundled by scripts/build.js (esbuild) into the app's
// folder as `editor.js` and imported by boot.js beside the main module. The Rust view
// (web/src/views/editor/mod.rs) owns the text and everything fleet-specific (Tab / Enter edits,
// diagnostics, find); this module only draws: CodeMirror keeps the visible lines in the DOM, not
// the whole fleet, so a keystroke costs the same at 20 agents and at 2,000 (a <textarea> lays
// out its whole text on every edit: ~75 ms a key at 2,000 agents on the CI machine).
import { EditorState, StateEffect, StateField, RangeSet } from '@codemirror/state';
import { EditorView, Decoration, GutterMarker, gutterLineClass, keymap, lineNumbers, highlightActiveLineGutter } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { classHighlighter } from '@lezer/highlight';
import { yaml } from '@codemirror/legacy-modes/mode/yaml';
import { StyleModule } from 'style-mod';

// CodeMirror's own styles go through style-mod, which writes a <style> tag into a document's
// head, and the page's Content-Security-Policy (style-src 'self') refuses inline styles. For a
// root without a head (a shadow root) style-mod uses a constructed style sheet
// (adoptedStyleSheets), which the policy allows: its first mount in this document is made to
// take that path, and every later one reuses the same sheet.
Object.defineProperty(document, 'head', { value: null, configurable: true });
try {
  StyleModule.mount(document, []);
} finally {
  delete document.head;
}

/** Replaces the diagnostics' marks: a flat list of [from, to, error (1/0), message] (UTF-16). */
const setMarks = StateEffect.define();
/** Replaces the find matches: { ranges: [from, to, ...], cur }. */
const setHits = StateEffect.define();

const errLine = new (class extends GutterMarker { elementClass = 'err'; })();
const warnLine = new (class extends GutterMarker { elementClass = 'warn'; })();

/** A decoration set that follows edits and is replaced by `effect`. */
function field(effect, build) {
  return StateField.define({
    create: () => ({ deco: Decoration.none, lines: RangeSet.empty }),
    update(v, tr) {
      for (const e of tr.effects) if (e.is(effect)) return build(e.value, tr.state.doc);
      return tr.docChanged ? { deco: v.deco.map(tr.changes), lines: v.lines.map(tr.changes) } : v;
    },
    provide: (f) => [EditorView.decorations.from(f, (v) => v.deco), gutterLineClass.from(f, (v) => v.lines)],
  });
}

const clamp = (doc, p) => Math.max(0, Math.min(doc.length, p));

const marks = field(setMarks, (list, doc) => {
  const deco = [], lines = [];
  for (let i = 0; i + 3 < list.length; i += 4) {
    const from = clamp(doc, list[i]), to = clamp(doc, list[i + 1]), err = list[i + 2] === 1;
    const cls = err ? 'mark err' : 'mark warn';
    if (to > from) deco.push(Decoration.mark({ class: cls, attributes: { title: list[i + 3] } }).range(from, to));
    lines.push((err ? errLine : warnLine).range(doc.lineAt(from).from));
  }
  return { deco: Decoration.set(deco, true), lines: RangeSet.of(lines, true) };
});

const hits = field(setHits, ({ ranges, cur }, doc) => {
  const deco = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const from = clamp(doc, ranges[i]), to = clamp(doc, ranges[i + 1]);
    if (to > from) deco.push(Decoration.mark({ class: i / 2 === cur ? 'hit cur' : 'hit' }).range(from, to));
  }
  return { deco: Decoration.set(deco, true), lines: RangeSet.empty };
});

/**
 * Mounts an editor in `parent`. `onChange(changes)` follows every change of the text, as a
 * flat list [at, removed, inserted, ...] (UTF-16 offsets, each in the text as the changes
 * before it left it): a keystroke hands over a few bytes, not the whole fleet;
 * `onKey(key, shift, from, to)` is asked first for Tab and Enter and returns true when it
 * applied its own edit. `attrs` go on the editable element (id, aria-label, …). `at` carries
 * over what the plain editor the page showed first had: `{ anchor, head, focus, scrollTop }`.
 */
export function mount(parent, text, onChange, onKey, attrs, at = {}) {
  const keys = (key, shift) => (view) => {
    const { from, to } = view.state.selection.main;
    return onKey(key, shift, from, to) === true;
  };
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    // The caret and the selection are the browser's own: CodeMirror's drawn ones (drawSelection)
    // measure the caret's position on every change and cost ~6 ms of a keystroke's ~15 ms at 300
    // agents (interleaved runs, BENCHMARKS.md "Editor").
    StreamLanguage.define(yaml),
    syntaxHighlighting(classHighlighter),
    marks,
    hits,
    EditorState.tabSize.of(2),
    // tabindex: the text is a tab stop like a textarea (and axe sees the scroller's content as
    // focusable).
    EditorView.contentAttributes.of({ spellcheck: 'false', autocorrect: 'off', autocapitalize: 'off', tabindex: '0', ...attrs }),
    keymap.of([
      { key: 'Tab', run: keys('Tab', false), shift: keys('Tab', true) },
      { key: 'Enter', run: keys('Enter', false) },
      // Escape, then Tab, leaves the editor, even when Escape also collapses the selection.
      { key: 'Escape', run: (view) => { view.setTabFocusMode(2000); return false; } },
      ...historyKeymap,
      // Mod-Enter is the page's (review the plan), not a blank line.
      ...defaultKeymap.filter((b) => b.key !== 'Mod-Enter'),
    ]),
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      const list = [];
      u.changes.iterChanges((fromA, toA, fromB, _toB, inserted) => list.push(fromB, toA - fromA, inserted.toString()));
      onChange(list);
    }),
  ];
  const clampAt = (p) => Math.max(0, Math.min(text.length, p | 0));
  const selection = at.anchor == null ? undefined : { anchor: clampAt(at.anchor), head: clampAt(at.head ?? at.anchor) };
  const view = new EditorView({ parent, state: EditorState.create({ doc: text, selection, extensions }) });
  // The line at the top of the plain editor (both draw 20 px lines under 8 px of padding) goes
  // to the top: CodeMirror measures its lines after the mount, so a bare scrollTop would drift.
  if (at.scrollTop > 0) {
    const n = Math.min(view.state.doc.lines, Math.floor(at.scrollTop / 20) + 1);
    view.dispatch({ effects: EditorView.scrollIntoView(view.state.doc.line(n).from, { y: 'start', yMargin: 0 }) });
  }
  if (at.focus) view.focus();
  const editor = {
    /** Replaces the whole text from elsewhere (a load, an undo of a load): a new history. */
    setText(t) {
      if (t === view.state.doc.toString()) return;
      view.setState(EditorState.create({ doc: t, extensions }));
    },
    /** Replaces `from..to` with `insert` as one undoable edit, then selects `a..b`. */
    replace(from, to, insert, a, b) {
      view.dispatch({ changes: { from, to, insert }, selection: { anchor: a, head: b }, userEvent: 'input', scrollIntoView: true });
    },
    /** Selects `a..b` and scrolls it into the middle of the view when it is not visible. */
    select(a, b) {
      view.dispatch({ selection: { anchor: a, head: b }, effects: EditorView.scrollIntoView(a, { y: 'nearest', yMargin: 60 }) });
    },
    selection() { const { from, to } = view.state.selection.main; return [from, to]; },
    /** The whole text (to resynchronise when a reported change did not fit the app's copy). */
    text() { return view.state.doc.toString(); },
    setMarks(list) { view.dispatch({ effects: setMarks.of(list) }); },
    setHits(ranges, cur) { view.dispatch({ effects: setHits.of({ ranges, cur }) }); },
    focus() { view.focus(); },
    destroy() { view.destroy(); },
  };
  // For scripts and tests (a textarea has `value` and `setSelectionRange`; this has these).
  view.contentDOM.fleetText = editor.text;
  view.contentDOM.fleetSelection = editor.selection;
  view.contentDOM.fleetSelect = (a, b = a) => view.dispatch({ selection: { anchor: a, head: b }, scrollIntoView: true });
  return editor;
}

// Browser-side facts for phi-lint sweeps. Evaluated once per page; defines window.__phiLintSweep.
//
// The functions here only COLLECT facts (table structure, header labels, focus geometry); Python decides
// what is a finding and whether a table shows PHI (the PHI model lives in Python). Cell text is returned
// to Python for PHI detection only and never written to a report.
//
// Every traversal goes through `children` and `shadowRoot`, never document.querySelectorAll, so that it
// sees the same tree under native shadow DOM and under LWC synthetic shadow (which patches those APIs).
(() => {
  if (window.__phiLintSweep) return;

  const MAX_ROWS = 200;
  const MAX_VALUES = 400;

  function* deepElements(root) {
    for (const child of Array.from(root.children || [])) {
      yield child;
      if (child.shadowRoot) yield* deepElements(child.shadowRoot);
      if (child.localName !== "template") yield* deepElements(child);
    }
  }

  // Elements under `el` (exclusive) across shadow roots, in tree order.
  function deepDescendants(el) {
    const out = [];
    if (el.shadowRoot) for (const e of deepElements(el.shadowRoot)) out.push(e);
    for (const e of deepElements(el)) out.push(e);
    return out;
  }

  function rootOf(el) {
    const root = el.getRootNode ? el.getRootNode() : document;
    return root;
  }

  // Look an id up in the element's own tree. ShadowRoot.getElementById throws under synthetic shadow.
  function byId(el, id) {
    const root = rootOf(el);
    try {
      return root.querySelector("#" + CSS.escape(id));
    } catch (e) {
      return null;
    }
  }

  function parentInTree(el) {
    const p = el.parentNode;
    if (!p || p.nodeType !== 1) return null;
    return p;
  }

  // A selector for `el` within its own tree (document or shadow root), without lwc-* build attributes.
  function localSelector(el) {
    const root = rootOf(el);
    const parts = [];
    let e = el;
    while (e && e.nodeType === 1) {
      let part = e.localName;
      if (e.id && /^[A-Za-z][\w-]*$/.test(e.id)) {
        let unique = false;
        try {
          unique = root.querySelectorAll("#" + CSS.escape(e.id)).length === 1;
        } catch (err) {
          unique = false;
        }
        if (unique) {
          parts.unshift("#" + e.id);
          break;
        }
      }
      const parent = parentInTree(e);
      const siblings = parent ? Array.from(parent.children) : Array.from((e.parentNode && e.parentNode.children) || []);
      const same = siblings.filter((s) => s.localName === e.localName);
      if (same.length > 1) part += ":nth-of-type(" + (same.indexOf(e) + 1) + ")";
      parts.unshift(part);
      if (!parent) break;
      if (parent.localName === "body" && root === document) {
        parts.unshift("body");
        break;
      }
      e = parent;
    }
    return parts.join(" > ");
  }

  // axe-style shadow-piercing selector: one entry per tree, outermost host first.
  function selectorChain(el) {
    const chain = [localSelector(el)];
    let root = rootOf(el);
    while (root && root.host) {
      chain.unshift(localSelector(root.host));
      root = rootOf(root.host);
    }
    return chain;
  }

  function deepQuery(chain) {
    let scope = document;
    let el = null;
    for (let i = 0; i < chain.length; i++) {
      el = scope.querySelector(chain[i]);
      if (!el) return null;
      if (i < chain.length - 1) {
        if (!el.shadowRoot) return null;
        scope = el.shadowRoot;
      }
    }
    return el;
  }

  // Text of an element across shadow roots and slots (what a reader sees), whitespace collapsed.
  // A column header's label: its aria-label when set (lightning-datatable sets it), else its text
  // without SLDS assistive text ("Sort by:", "Show Patient column actions").
  function headerLabel(h) {
    const label = (h.getAttribute("aria-label") || "").trim();
    if (label) return label;
    return deepText(h, true);
  }

  function deepText(node, skipAssistive) {
    const parts = [];
    const visit = (n) => {
      if (n.nodeType === 3) {
        parts.push(n.data);
        return;
      }
      if (n.nodeType !== 1 && n.nodeType !== 11) return;
      if (n.nodeType === 1) {
        const name = n.localName;
        if (name === "style" || name === "script" || name === "template") return;
        if (skipAssistive && n.classList && n.classList.contains("slds-assistive-text")) return;
        if (name === "slot") {
          const assigned = n.assignedNodes ? n.assignedNodes({ flatten: true }) : [];
          (assigned.length ? assigned : Array.from(n.childNodes)).forEach(visit);
          return;
        }
        if (n.shadowRoot) {
          Array.from(n.shadowRoot.childNodes).forEach(visit);
          return;
        }
      }
      Array.from(n.childNodes).forEach(visit);
    };
    visit(node);
    return parts.join(" ").replace(/\s+/g, " ").trim();
  }

  function isHidden(el) {
    const style = getComputedStyle(el);
    return style.display === "none" || style.visibility === "hidden" || el.hidden;
  }

  function role(el) {
    return (el.getAttribute("role") || "").trim().toLowerCase();
  }

  // Accessible name of a table or grid: aria-labelledby, aria-label, <caption>, title. Never the
  // subtree's text (a table's cells are not its name).
  function tableName(el) {
    const labelledby = (el.getAttribute("aria-labelledby") || "").trim();
    if (labelledby) {
      const text = labelledby
        .split(/\s+/)
        .map((id) => byId(el, id))
        .filter(Boolean)
        .map(deepText)
        .join(" ")
        .trim();
      if (text) return text;
    }
    const label = (el.getAttribute("aria-label") || "").trim();
    if (label) return label;
    if (el.localName === "table" && el.caption && deepText(el.caption)) return deepText(el.caption);
    const title = (el.getAttribute("title") || "").trim();
    if (title) return title;
    return "";
  }

  // The sorted state itself, not a direction modifier: lightning-datatable puts `slds-is-sorted_asc` on
  // the header link of every sortable column (the arrow shown on hover), sorted or not.
  const SORTED_CLASS = /^(slds-is-sorted|is-sorted|sorted)$/i;
  const SORT_GLYPH = /[\u25B2\u25BC\u2191\u2193\u25B4\u25BE]/;

  function visuallySorted(header) {
    for (const el of [header, ...deepDescendants(header)]) {
      if (el.nodeType !== 1) continue;
      for (const cls of Array.from(el.classList || [])) {
        if (SORTED_CLASS.test(cls)) return true;
      }
      if (el.hasAttribute && el.hasAttribute("data-sorted")) return true;
    }
    // An arrow glyph in the visible text of the header.
    return SORT_GLYPH.test(deepText(header));
  }

  function cellsOf(row) {
    const cells = [];
    for (const el of deepDescendants(row)) {
      const r = role(el);
      if (el.localName === "td" || el.localName === "th" || ["cell", "gridcell", "rowheader", "columnheader"].includes(r)) {
        // Nested cells (a cell inside a cell) do not count twice.
        if (!cells.some((c) => c.contains && c.contains(el))) cells.push(el);
      }
    }
    return cells;
  }

  function isRowHeader(cell) {
    const r = role(cell);
    if (r === "rowheader") return true;
    if (r && r !== "columnheader" && cell.localName === "th") return r === "rowheader";
    if (cell.localName === "th") {
      const scope = (cell.getAttribute("scope") || "").toLowerCase();
      return scope === "row" || scope === "rowgroup" || (scope === "" && !inHead(cell));
    }
    return false;
  }

  function inHead(el) {
    let e = el;
    while (e && e.nodeType === 1) {
      if (e.localName === "thead") return true;
      if (e.localName === "table") return false;
      e = e.parentNode;
    }
    return false;
  }

  function isHeaderRow(row, cells) {
    if (row.localName === "tr" && inHead(row)) return true;
    // A row of column headers: only <th> (not scoped to a row) or role=columnheader cells.
    return (
      cells.length > 0 &&
      cells.every(
        (c) =>
          role(c) === "columnheader" ||
          (c.localName === "th" &&
            role(c) !== "rowheader" &&
            !["row", "rowgroup"].includes((c.getAttribute("scope") || "").toLowerCase()))
      )
    );
  }

  function rowsOf(table) {
    const rows = [];
    for (const el of deepDescendants(table)) {
      if (el.localName === "tr" || role(el) === "row") {
        // Rows of a nested table belong to that table.
        let owner = el.parentNode;
        let nested = false;
        while (owner && owner !== table && owner.nodeType === 1) {
          if (owner.localName === "table" || ["grid", "treegrid", "table"].includes(role(owner))) {
            nested = true;
            break;
          }
          owner = owner.parentNode;
        }
        if (!nested) rows.push(el);
      }
    }
    return rows;
  }

  function isTruncated(el) {
    const style = getComputedStyle(el);
    const clips = style.textOverflow === "ellipsis" || el.classList.contains("slds-truncate");
    if (!clips) return false;
    return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
  }

  function hasFullTextAlternative(el, cell) {
    let e = el;
    while (e && e.nodeType === 1) {
      for (const attr of ["title", "aria-label", "aria-description", "aria-describedby", "data-tooltip"]) {
        if ((e.getAttribute(attr) || "").trim()) return true;
      }
      if (e === cell) break;
      e = e.parentNode;
    }
    // A lightning-helptext / tooltip button in the cell offers the full text.
    return deepDescendants(cell).some((d) => d.localName === "lightning-helptext" || role(d) === "tooltip");
  }

  function startTag(el) {
    const html = el.outerHTML || "";
    const end = html.indexOf(">");
    return end >= 0 ? html.slice(0, end + 1) : html.slice(0, 200);
  }

  // An SLDS div table has no roles: its element children are the rows, their children the cells.
  function divTableFacts(el) {
    const rows = Array.from(el.children).slice(0, MAX_ROWS);
    const headers = rows.length
      ? Array.from(rows[0].children).map((h) => ({
          text: deepText(h), ariaSort: "", visuallySorted: false, selector: selectorChain(h), snippet: startTag(h),
        }))
      : [];
    const values = [];
    for (const row of rows.slice(1)) {
      for (const c of Array.from(row.children)) if (values.length < MAX_VALUES) values.push(deepText(c));
    }
    return {
      kind: "div-table", selector: selectorChain(el), snippet: startTag(el), name: tableName(el), headers,
      values, dataRows: Math.max(rows.length - 1, 0), columns: headers.length, rowsWithoutHeader: 0,
      virtualised: false, renderedRows: rows.length, rowcount: null, missingRowIndex: 0, truncated: [],
    };
  }

  function tableFacts(el, kind) {
    if (kind === "div-table") return divTableFacts(el);
    const rows = rowsOf(el).slice(0, MAX_ROWS);
    const headers = [];
    const headerCells = [];
    const values = [];
    const dataRows = [];
    let rowsWithoutHeader = 0;
    let maxCols = 0;
    for (const row of rows) {
      const cells = cellsOf(row);
      maxCols = Math.max(maxCols, cells.length);
      if (isHeaderRow(row, cells)) {
        if (!headerCells.length) {
          for (const c of cells) headerCells.push(c);
        }
        continue;
      }
      dataRows.push(row);
      if (!cells.some(isRowHeader)) rowsWithoutHeader++;
      for (const c of cells) if (values.length < MAX_VALUES) values.push(deepText(c));
    }
    for (const h of headerCells) {
      const sort = (h.getAttribute("aria-sort") || "").toLowerCase();
      headers.push({
        text: headerLabel(h),
        ariaSort: sort,
        visuallySorted: visuallySorted(h),
        selector: selectorChain(h),
        snippet: startTag(h),
      });
    }
    // Truncated cells, with their column so Python can tell whether the column shows PHI.
    const truncated = [];
    for (const row of dataRows) {
      const cells = cellsOf(row);
      cells.forEach((cell, col) => {
        for (const t of [cell, ...deepDescendants(cell)]) {
          if (t.nodeType !== 1 || isHidden(t)) continue;
          if (isTruncated(t)) {
            if (!hasFullTextAlternative(t, cell)) {
              truncated.push({ column: col, text: deepText(t), selector: selectorChain(t), snippet: startTag(t) });
            }
            break;
          }
        }
      });
    }
    const rowcount = parseInt(el.getAttribute("aria-rowcount") || "", 10);
    const rendered = rows.length;
    const virtualised = rowcount === -1 || (!Number.isNaN(rowcount) && rowcount > rendered);
    const missingRowIndex = rows.filter((r) => !r.hasAttribute("aria-rowindex")).length;
    return {
      kind,
      selector: selectorChain(el),
      snippet: startTag(el),
      name: tableName(el),
      headers,
      values,
      dataRows: dataRows.length,
      columns: maxCols,
      rowsWithoutHeader,
      virtualised,
      renderedRows: rendered,
      rowcount: Number.isNaN(rowcount) ? null : rowcount,
      missingRowIndex,
      truncated,
    };
  }

  function isDivTable(el) {
    if (el.localName === "table") return false;
    if (["table", "grid", "treegrid", "presentation", "none"].includes(role(el))) return false;
    // `slds-table` is the base class of an SLDS table; `slds-table_header-fixed_container` and friends
    // are wrappers around a real table, and a wrapper of a real table or grid is not a div table.
    if (!(el.classList && el.classList.contains("slds-table"))) return false;
    return !deepDescendants(el).some(
      (d) => d.localName === "table" || ["table", "grid", "treegrid"].includes(role(d)),
    );
  }

  // The sweep config's include/exclude selectors, matched against the element and its ancestors across
  // shadow boundaries (like axe's context): scope = { include: [...], exclude: [...] }.
  function composedMatches(el, selectors) {
    let n = el;
    while (n) {
      if (n.nodeType === 1) {
        for (const s of selectors) {
          try {
            if (n.matches(s)) return true;
          } catch (e) {
            /* an invalid selector matches nothing */
          }
        }
      }
      n = n.parentNode || (n.host !== undefined ? n.host : null);
    }
    return false;
  }

  function inScope(el, scope) {
    if (!scope) return true;
    if (scope.include && scope.include.length && !composedMatches(el, scope.include)) return false;
    return !(scope.exclude && scope.exclude.length && composedMatches(el, scope.exclude));
  }

  function tables(scope) {
    const out = [];
    for (const el of deepElements(document)) {
      if (!inScope(el, scope)) continue;
      if (isHidden(el)) continue;
      const r = role(el);
      if (el.localName === "table" && !["presentation", "none"].includes(r)) {
        out.push(tableFacts(el, r === "grid" || r === "treegrid" ? "grid" : "table"));
      } else if (el.localName !== "table" && ["grid", "treegrid", "table"].includes(r)) {
        out.push(tableFacts(el, r === "table" ? "table" : "grid"));
      } else if (isDivTable(el)) {
        out.push(tableFacts(el, "div-table"));
      }
    }
    return out;
  }

  // Fields for 3.3.8 Accessible Authentication: password and one-time-code inputs.
  const OTP = /(one[-_ ]?time|otp|passcode|verification[-_ ]?code|mfa[-_ ]?code|2fa)/i;

  function authFields(scope) {
    const out = [];
    for (const el of deepElements(document)) {
      if (el.localName !== "input" || !inScope(el, scope)) continue;
      const type = (el.getAttribute("type") || "text").toLowerCase();
      const autocomplete = (el.getAttribute("autocomplete") || "").trim().toLowerCase();
      const key = (el.getAttribute("name") || "") + " " + (el.id || "");
      let purpose = "";
      if (type === "password") purpose = "password";
      else if (autocomplete.includes("one-time-code") || OTP.test(key)) purpose = "one-time code";
      else continue;
      if (isHidden(el)) continue;
      const event = new ClipboardEvent("paste", {
        bubbles: true,
        cancelable: true,
        composed: true,
        clipboardData: new DataTransfer(),
      });
      const notPrevented = el.dispatchEvent(event);
      const attrBlocks = /return\s+false|preventDefault/.test(el.getAttribute("onpaste") || "");
      out.push({
        purpose,
        autocomplete,
        pasteBlocked: !notPrevented || attrBlocks,
        selector: selectorChain(el),
        snippet: startTag(el),
      });
    }
    return out;
  }

  function deepActiveElement() {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  }

  function deepElementFromPoint(x, y) {
    let el = document.elementFromPoint(x, y);
    while (el && el.shadowRoot) {
      const inner = el.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === el) break;
      el = inner;
    }
    return el;
  }

  function composedContains(ancestor, node) {
    let n = node;
    while (n) {
      if (n === ancestor) return true;
      n = n.parentNode || (n.host !== undefined ? n.host : null);
    }
    return false;
  }

  function fixedAncestor(el) {
    let n = el;
    while (n) {
      if (n.nodeType === 1) {
        const pos = getComputedStyle(n).position;
        if (pos === "fixed" || pos === "sticky") return n;
      }
      n = n.parentNode || (n.host !== undefined ? n.host : null);
    }
    return el;
  }

  // Where is focus now, and is the focused element entirely hidden by other content (2.4.11)?
  async function focusProbe(settleMs, scope) {
    // One frame lets scroll and focus handlers run (a header that appears on scroll); more per stop
    // multiplies the Tab walk's cost on every page. `focus_settle_ms` adds a fixed wait when needed.
    await new Promise((r) => requestAnimationFrame(r));
    if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
    const el = deepActiveElement();
    if (!el || el === document.body || el === document.documentElement) return { focused: false };
    const rect = el.getBoundingClientRect();
    const result = { focused: true, selector: selectorChain(el), snippet: startTag(el), obscured: false };
    if (!inScope(el, scope)) return result;
    if (rect.width < 1 || rect.height < 1) return result;
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const left = Math.max(rect.left, 0);
    const right = Math.min(rect.right, vw - 1);
    const top = Math.max(rect.top, 0);
    const bottom = Math.min(rect.bottom, vh - 1);
    if (right <= left || bottom <= top) return result; // off-screen: a visibility problem, not 2.4.11
    const inset = 2;
    const points = [
      [(left + right) / 2, (top + bottom) / 2],
      [left + inset, top + inset],
      [right - inset, top + inset],
      [left + inset, bottom - inset],
      [right - inset, bottom - inset],
    ];
    // elementFromPoint skips `pointer-events: none`, which SLDS puts on the icon buttons inside inputs
    // (`.slds-input__icon`: lightning-datepicker's calendar button is painted above the input). Make
    // the focused element itself hit-testable for the probe; what covers it is probed as before.
    const inline = el.style ? el.style.getPropertyValue("pointer-events") : "";
    const priority = el.style ? el.style.getPropertyPriority("pointer-events") : "";
    const unhittable = el.style && getComputedStyle(el).pointerEvents === "none";
    if (unhittable) el.style.setProperty("pointer-events", "auto", "important");
    let cover = null;
    let visible = false;
    try {
      for (const [x, y] of points) {
        const hit = deepElementFromPoint(x, y);
        if (!hit || composedContains(el, hit) || composedContains(hit, el)) {
          visible = true;
          break;
        }
        cover = cover || hit;
      }
    } finally {
      if (unhittable) {
        if (inline) el.style.setProperty("pointer-events", inline, priority);
        else el.style.removeProperty("pointer-events");
      }
    }
    if (visible) return result;
    result.obscured = true;
    result.obscuredBy = selectorChain(fixedAncestor(cover));
    return result;
  }

  function settleState() {
    let count = 0;
    let spinners = 0;
    for (const el of deepElements(document)) {
      count++;
      const isSpinner =
        el.localName === "lightning-spinner" ||
        (el.classList && (el.classList.contains("slds-spinner_container") || el.classList.contains("slds-spinner")));
      // A spinner inside a spinner container is one spinner.
      const nested = isSpinner && el.parentElement && el.parentElement.closest &&
        el.parentElement.closest(".slds-spinner_container, lightning-spinner, .slds-spinner");
      if (isSpinner && !nested) {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        if (r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none") spinners++;
      }
    }
    let auraBusy = false;
    try {
      if (window.$A && window.$A.clientService && window.$A.clientService.inFlightXHRs) {
        auraBusy = window.$A.clientService.inFlightXHRs() > 0;
      }
    } catch (e) {
      auraBusy = false;
    }
    return { ready: document.readyState === "complete", count, spinners, auraBusy };
  }

  // Cover table cells, inputs and other patient-data carriers with opaque boxes, highlight one element,
  // and return the box to screenshot. Returns null when the element cannot be found.
  // Record values shown outside tables: Lightning's formatted values (a patient's name, phone, date of
  // birth in a card or a record page), output fields, pills (a lookup's patient, an allergy) and
  // tel:/mailto: links. Masked whole: their text is the record's data, never the page's chrome.
  const VALUE_CLASSES = ["slds-pill__label", "slds-form-element__static"];
  function isValueCarrier(m) {
    const name = m.localName;
    if (name.startsWith("lightning-formatted-") || name === "lightning-output-field") return true;
    if (m.classList && VALUE_CLASSES.some((c) => m.classList.contains(c))) return true;
    const href = name === "a" ? (m.getAttribute("href") || "").trim().toLowerCase() : "";
    return href.startsWith("tel:") || href.startsWith("mailto:") || href.startsWith("sms:");
  }

  function prepareScreenshot(chain, mask, pad) {
    cleanupScreenshot();
    const el = deepQuery(chain);
    if (!el) return null;
    el.scrollIntoView({ block: "center", inline: "center" });
    const layer = document.createElement("div");
    layer.id = "__phi_lint_overlay";
    layer.setAttribute("aria-hidden", "true");
    layer.style.cssText = "position:fixed;inset:0;pointer-events:none;z-index:2147483647;";
    const box = (r, css) => {
      const d = document.createElement("div");
      d.style.cssText = `position:fixed;left:${r.left}px;top:${r.top}px;width:${r.width}px;height:${r.height}px;${css}`;
      layer.appendChild(d);
    };
    if (mask) {
      // Cells of SLDS div tables have no roles: everything with text inside one is a carrier too.
      const divTables = [];
      for (const m of deepElements(document)) if (isDivTable(m)) divTables.push(m);
      const inDivTable = (m) => divTables.some((t) => t !== m && composedContains(t, m));
      for (const m of deepElements(document)) {
        const r0 = role(m);
        const ownText = Array.from(m.childNodes).some((n) => n.nodeType === 3 && n.data.trim());
        const carrier =
          m.localName === "td" ||
          (m.localName === "th" && isRowHeader(m)) ||
          ["input", "textarea", "select"].includes(m.localName) ||
          ["cell", "gridcell", "rowheader", "textbox", "combobox"].includes(r0) ||
          m.isContentEditable ||
          (ownText && inDivTable(m)) ||
          isValueCarrier(m);
        if (!carrier) continue;
        const r = m.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) box(r, "background:#b0b7bf;");
      }
    }
    const r = el.getBoundingClientRect();
    box(r, "outline:3px solid #d4145a;outline-offset:1px;");
    document.documentElement.appendChild(layer);
    return {
      x: Math.max(r.left - pad, 0),
      y: Math.max(r.top - pad, 0),
      width: Math.min(r.width + 2 * pad, window.innerWidth),
      height: Math.min(r.height + 2 * pad, window.innerHeight),
    };
  }

  function cleanupScreenshot() {
    const old = document.getElementById("__phi_lint_overlay");
    if (old) old.remove();
  }

  window.__phiLintSweep = {
    tables,
    authFields,
    focusProbe,
    settleState,
    prepareScreenshot,
    cleanupScreenshot,
    deepQuery,
    selectorChain,
    deepText,
  };
})();

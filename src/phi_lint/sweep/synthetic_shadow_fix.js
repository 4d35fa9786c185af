// Evaluated before every axe run: see SYNTHETIC_SHADOW_FIX in axe.py for why.
() => {
  const probe = (root) => {
    try { root.getElementById("__phi_lint_probe__"); return true; } catch (e) { return false; }
  };
  const replacement = function (id) {
    try { return this.querySelector("#" + CSS.escape(String(id))); } catch (e) { return null; }
  };
  let patched = 0;
  const visit = (root) => {
    for (const el of Array.from(root.children || [])) {
      const shadow = el.shadowRoot;
      if (shadow && !probe(shadow)) {
        const proto = Object.getPrototypeOf(shadow);
        try {
          Object.defineProperty(proto, "getElementById", { value: replacement, configurable: true, writable: true });
        } catch (e) { /* frozen prototype: patch the instance below */ }
        if (!probe(shadow)) {
          try {
            Object.defineProperty(shadow, "getElementById", { value: replacement, configurable: true, writable: true });
          } catch (e) { /* leave it: axe reports the rule as errored, we report it as not evaluated */ }
        }
        patched++;
      }
      if (shadow) visit(shadow);
      visit(el);
    }
  };
  visit(document);
  return patched;
}

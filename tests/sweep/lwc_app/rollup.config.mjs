// Builds the test app in one shadow mode: SHADOW=synthetic|native, OUT_DIR=<dir>.
// Settings from docs/a11y-facts: replace process.env.NODE_ENV and import.meta.env.SSR; resolve
// lightning-base-components through the LWC plugin (module dirs are relative to src/, the input); dynamic components on; one ESM file.
import lwc from "@lwc/rollup-plugin";
import resolve from "@rollup/plugin-node-resolve";
import replace from "@rollup/plugin-replace";

const shadow = process.env.SHADOW === "native" ? "native" : "synthetic";
const outDir = process.env.OUT_DIR || "dist";

export default {
  input: shadow === "synthetic" ? "src/main-synthetic.js" : "src/main-native.js",
  output: { file: `${outDir}/${shadow}/app.js`, format: "esm", inlineDynamicImports: true },
  onwarn(warning, warn) {
    if (warning.code === "CIRCULAR_DEPENDENCY" || warning.code === "THIS_IS_UNDEFINED") return;
    warn(warning);
  },
  plugins: [
    replace({
      preventAssignment: true,
      values: { "process.env.NODE_ENV": JSON.stringify("production"), "import.meta.env.SSR": "false" },
    }),
    resolve(),
    lwc({
      modules: [{ dir: "modules" }, { npm: "lightning-base-components" }],
      enableDynamicComponents: true,
    }),
  ],
};

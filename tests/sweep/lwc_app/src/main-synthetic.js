// Lightning Experience and Experience Builder sites run LWC in synthetic shadow: load the polyfill
// before the engine, as they do.
import "@lwc/synthetic-shadow";
import "./main-native.js";

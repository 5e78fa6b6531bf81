// `spimekit/xml` on the device: the XML layer's entry point (src/xml/index.ts) under its package
// name. The manifest cannot map `spimekit/xml` to ./src/xml/index directly: XS resolves the
// relative imports of a module against the module's *name*, so index's `./element.js` would
// become `spimekit/element` (xsl: `module "./element.js" not found` when preloaded; the same
// failure at run time otherwise). This module re-exports it by its real name.
export * from 'spimekit/xml/index';

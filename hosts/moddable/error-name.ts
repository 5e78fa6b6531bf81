// Preloaded (manifest `preload`), so it runs at link time, before xsl freezes the built-ins.
// After that freeze, `Error.prototype.name` is read-only, and in strict code assigning to an
// inherited read-only property throws: src/errors.ts's `this.name = new.target.name` would
// throw "set name: not writable" on the device, on every SpimeError. This is the workaround from
// Moddable's documentation (documentation/xs/preload.md, "Modifying Built-in Objects Behavior"):
// `name` becomes an accessor whose setter defines an own property on the instance.
// Drop this once src/errors.ts defines `name` with Object.defineProperty (or a class field).
Object.defineProperty(Error.prototype, 'name', {
  get(): string { return 'Error'; },
  set(this: Error, value: string) {
    Object.defineProperty(this, 'name', { value, writable: true, configurable: true, enumerable: false });
  },
  configurable: true,
});

export {};

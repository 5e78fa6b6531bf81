// An incremental XMPP stream reader for test support (component, raw probes), built on saxes so it
// shares no code with the parser under test. Emits the stream header's attributes, then each
// top-level child (stanza or nonza) as a small element tree, then the stream close.
import { SaxesParser, type SaxesTagNS } from 'saxes';

export class El {
  constructor(
    public name: string,
    public ns: string,
    public attrs: Record<string, string>,
    public children: Array<El | string> = [],
  ) {}
  getChild(name: string, ns?: string): El | undefined {
    return this.children.find((c): c is El => typeof c !== 'string' && c.name === name && (ns === undefined || c.ns === ns));
  }
  getChildren(name?: string): El[] {
    return this.children.filter((c): c is El => typeof c !== 'string' && (name === undefined || c.name === name));
  }
  text(): string {
    return this.children.map((c) => (typeof c === 'string' ? c : c.text())).join('');
  }
  toString(): string { return serialize(this, ''); }
}

function serialize(e: El, parentNs: string): string {
  const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const ns = e.ns !== parentNs ? ` xmlns="${escapeXml(e.ns)}"` : '';
  const inner = e.children.map((c) => (typeof c === 'string' ? escapeXml(c) : serialize(c, e.ns))).join('');
  return `<${e.name}${ns}${attrs}${inner ? `>${inner}</${e.name}>` : '/>'}`;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface StreamEvents {
  open?(attrs: Record<string, string>): void;
  element?(el: El): void;
  close?(): void;
  error?(err: Error): void;
}

/** Feed bytes with write(); a new instance is needed after a stream restart (STARTTLS, SASL). */
export class StreamReader {
  #parser = new SaxesParser({ xmlns: true });
  #stack: El[] = [];
  #failed = false;

  constructor(events: StreamEvents) {
    const p = this.#parser;
    p.on('opentag', (t: SaxesTagNS) => {
      const attrs: Record<string, string> = {};
      for (const a of Object.values(t.attributes)) {
        if (a.prefix !== 'xmlns' && a.name !== 'xmlns') attrs[a.name] = a.value;
      }
      if (t.local === 'stream' && t.uri === 'http://etherx.jabber.org/streams' && this.#stack.length === 0 && !this.#opened) {
        this.#opened = true;
        events.open?.(attrs);
        return;
      }
      const el = new El(t.local, t.uri, attrs);
      this.#stack.at(-1)?.children.push(el);
      this.#stack.push(el);
    });
    p.on('closetag', (t: SaxesTagNS) => {
      if (this.#stack.length === 0) { events.close?.(); return; }
      const el = this.#stack.pop() as El;
      if (el.name !== t.local) return;
      if (this.#stack.length === 0) events.element?.(el);
    });
    p.on('text', (text: string) => { this.#stack.at(-1)?.children.push(text); });
    p.on('error', (err: Error) => { this.#failed = true; events.error?.(err); });
  }
  #opened = false;

  write(chunk: string | Uint8Array): void {
    if (this.#failed) return;
    try {
      this.#parser.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    } catch { /* reported through 'error' */ }
  }
}

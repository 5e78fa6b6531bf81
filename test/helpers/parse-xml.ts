// Node-only: parse XML text into the namespace-resolved XmlElement tree with saxes (a conforming
// namespace-aware parser), standing in for the xml branch's tokenizer in tests.
import { SaxesParser } from 'saxes';
import { XmlElement } from '../../src/xml/element.js';

export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes) as Array<{ name: string; prefix: string; value: string }>) {
      if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
      attrs[a.name] = a.value;
    }
    const el = new XmlElement(tag.local ?? tag.name, tag.uri ?? '', attrs, []);
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('text', (t) => { if (stack.length) stack[stack.length - 1].children.push(t); });
  parser.on('closetag', () => { stack.pop(); });
  parser.write(text).close();
  if (!root) throw new Error('no root element');
  return root;
}

export const parseXmlBytes = (bytes: Uint8Array): XmlElement => parseXml(new TextDecoder('utf-8', { fatal: true }).decode(bytes));

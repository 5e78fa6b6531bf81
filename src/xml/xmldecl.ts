// XML 1.0 §2.8 [23] XMLDecl, [24] VersionInfo, [80] EncodingDecl, [32] SDDecl. The declaration is
// tiny and ASCII, so it is checked whole, once the tokenizer has found its `?>`.
import { XmlError } from './errors.js';

const S = '[ \\t\\r\\n]';
const q = (body: string): string => `(?:'${body}'|"${body}")`;
const DECL = new RegExp(
  `^<\\?xml${S}+version${S}*=${S}*${q('1\\.[0-9]+')}`
  + `(?:${S}+encoding${S}*=${S}*(?:'([A-Za-z][A-Za-z0-9._-]*)'|"([A-Za-z][A-Za-z0-9._-]*)"))?`
  + `(?:${S}+standalone${S}*=${S}*${q('(?:yes|no)')})?${S}*\\?>$`,
);
const TARGET = /^<\?([^ \t\r\n?]*)/;

/** Checks `<?…?>` found at the very start of the input (bytes as Latin-1 code units). */
export function checkXmlDecl(text: string, offset: number): void {
  const target = TARGET.exec(text)![1];
  // RFC 6120 §11.1: no processing instructions; only the declaration may start the stream.
  if (target !== 'xml') {
    throw new XmlError(target.toLowerCase() === 'xml' ? 'not-well-formed' : 'restricted-xml', `processing instruction <?${target}`, offset);
  }
  const m = DECL.exec(text);
  if (!m) throw new XmlError('not-well-formed', 'malformed XML declaration', offset);
  const encoding = m[1] ?? m[2];
  // RFC 6120 §11.6: XMPP is UTF-8 only.
  if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') {
    throw new XmlError('unsupported-encoding', `encoding ${encoding}`, offset);
  }
}

// The core container, OpenSpime v0.9 core (docs/PROTOCOL.md §4): build and parse
// <openspime xmlns='openspime:protocol:core' version='0.9'> with its <originator/> (cert, osid,
// <sign/>, <claimkey/>) and <transport/> (plain: one extension element; encrypted: content-type,
// transport-key and base64 text). Structure only: signing and encryption are in ./seal and ./open.
// Parsing hostile input throws OpenSpimeError only.
import { base64Decode, base64Encode } from '../bytes/base64.js';
import { xml, type XmlElement } from '../xml/element.js';
import { normalizedText } from './canonical.js';
import { checkVersion, OpenSpimeError } from './errors.js';
import { CONTENT_TYPE_ENCRYPTED, CONTENT_TYPE_V09_AES, NS_CORE, VERSION } from './namespaces.js';

export interface ClaimKeyRef {
  /** Certification service that publishes the claimed spime's key. */
  cert: string;
  /** JID of the claimed spime. */
  claims: string;
  /** The claim key's bytes (./claimkey). */
  key: Uint8Array;
}

export interface Originator {
  cert: string;
  /** OpenSpime id of the signer; absent in some v0.9 examples (then: the stanza's sender). */
  osid?: string;
  sign?: { alg?: string; value: Uint8Array };
  claimkey?: ClaimKeyRef;
}

export type Transport =
  | { kind: 'plain'; payload: XmlElement }
  | { kind: 'encrypted'; contentType: string; transportKey: Uint8Array; body: Uint8Array };

export interface Container {
  version: string;
  originator?: Originator;
  transport: Transport;
}

/** Limits against resource exhaustion by hostile input (PROTOCOL.md §4.6). */
export const MAX_BASE64_BYTES = 64 * 1024;

function bad(message: string): never {
  throw new OpenSpimeError('bad-format', message);
}

function only(el: XmlElement, name: string): XmlElement | undefined {
  const found = el.getChildren(name, NS_CORE);
  if (found.length > 1) bad(`more than one <${name}/>`);
  return found[0];
}

function requiredAttr(el: XmlElement, name: string): string {
  const v = el.attr(name);
  if (v === undefined || v.trim() === '') bad(`<${el.name}/> without '${name}'`);
  return v.trim();
}

function b64(text: string, what: string): Uint8Array {
  if (text.length > (MAX_BASE64_BYTES * 4) / 3 + 1024) bad(`${what} too long`);
  const bytes = base64Decode(text);
  if (!bytes) bad(`${what} is not base64 (RFC 4648 §4)`);
  if (bytes.length === 0) bad(`${what} is empty`);
  return bytes;
}

export function parseContainer(el: XmlElement): Container {
  if (el.name !== 'openspime' || el.ns !== NS_CORE) bad('not an openspime container');
  checkVersion(el, 'openspime');
  // §4.4 step 1, in this order: the container's structure (bad-format), then the content type
  // (an unknown one names an encoding we cannot know, so its values are not decoded), then the
  // values (bad-format).
  for (const c of el.getChildren()) {
    if (c.ns === NS_CORE && c.name !== 'originator' && c.name !== 'transport') bad(`unknown core element <${c.name}/>`);
  }
  if (normalizedText(el.children) !== '') bad('text directly under <openspime/>');
  const o = only(el, 'originator');
  if (o && normalizedText(o.children) !== '') bad('text directly under <originator/>');
  const t = only(el, 'transport');
  if (!t) bad('openspime without transport');
  const contentType = t.attr('content-type');
  if (contentType !== undefined && contentType.trim() !== CONTENT_TYPE_ENCRYPTED) {
    const ct = contentType.trim();
    throw new OpenSpimeError('unsupported-content-type', ct === CONTENT_TYPE_V09_AES ? `${ct}: v0.9 never defined its mode, IV or key wrap` : ct);
  }
  return { version: VERSION, originator: o && parseOriginator(o), transport: parseTransport(t) };
}

function parseOriginator(o: XmlElement): Originator {
  const originator: Originator = { cert: requiredAttr(o, 'cert') };
  const osid = o.attr('osid');
  if (osid !== undefined) originator.osid = osid.trim() || bad('empty osid');
  const sign = only(o, 'sign');
  const ck = only(o, 'claimkey');
  // Their text is replaced in the signed view (signing.ts), so nothing else may hide in them.
  if (sign?.getChildren().length || ck?.getChildren().length) bad('elements inside <sign/> or <claimkey/>');
  if (sign) {
    const alg = sign.attr('alg');
    originator.sign = { value: b64(sign.text(), '<sign/>') };
    if (alg !== undefined) originator.sign.alg = alg.trim();
  }
  if (ck) originator.claimkey = { cert: requiredAttr(ck, 'cert'), claims: requiredAttr(ck, 'claims'), key: b64(ck.text(), '<claimkey/>') };
  return originator;
}

function parseTransport(t: XmlElement): Transport {
  const contentType = t.attr('content-type');
  const elements = t.getChildren();
  if (contentType === undefined) {
    if (t.attr('transport-key') !== undefined) bad('transport-key without content-type');
    if (elements.length !== 1) bad(`plain transport with ${elements.length} elements (want 1)`);
    if (normalizedText(t.children) !== '') bad('text beside the plain transport payload');
    return { kind: 'plain', payload: elements[0] };
  }
  if (elements.length) bad('encrypted transport with child elements');
  const tk = t.attr('transport-key');
  if (tk === undefined) bad('encrypted transport without transport-key');
  return { kind: 'encrypted', contentType: contentType.trim(), transportKey: b64(tk, 'transport-key'), body: b64(t.text(), '<transport/>') };
}

/** What parseContainer would refuse in the element buildContainer makes of `c` (the sign value
 *  aside: it is made afterwards), checked on the values without building or decoding anything. */
export function checkContainer(c: Container): void {
  const o = c.originator;
  if (o) {
    if (o.cert.trim() === '') bad("<originator/> without 'cert'");
    if (o.osid !== undefined && o.osid.trim() === '') bad('empty osid');
    if (o.claimkey) {
      if (o.claimkey.cert.trim() === '') bad("<claimkey/> without 'cert'");
      if (o.claimkey.claims.trim() === '') bad("<claimkey/> without 'claims'");
      b64Size(o.claimkey.key, '<claimkey/>');
    }
  }
  if (c.transport.kind === 'encrypted') {
    b64Size(c.transport.transportKey, 'transport-key');
    b64Size(c.transport.body, '<transport/>');
  }
}

/** b64's checks for the encoding of `bytes`. */
function b64Size(bytes: Uint8Array, what: string): void {
  if (Math.ceil(bytes.length / 3) * 4 > (MAX_BASE64_BYTES * 4) / 3 + 1024) bad(`${what} too long`);
  if (bytes.length === 0) bad(`${what} is empty`);
}

/** Builds the container element; base64 is emitted without whitespace (PROTOCOL.md §3.4). */
export function buildContainer(c: Container): XmlElement {
  let originator: XmlElement | undefined;
  if (c.originator) {
    const o = c.originator;
    originator = xml('originator', { cert: o.cert, osid: o.osid },
      o.sign && xml('sign', { alg: o.sign.alg }, base64Encode(o.sign.value)),
      o.claimkey && xml('claimkey', { cert: o.claimkey.cert, claims: o.claimkey.claims }, base64Encode(o.claimkey.key)));
  }
  const t = c.transport;
  const transport = t.kind === 'plain'
    ? xml('transport', null, t.payload)
    : xml('transport', { 'content-type': t.contentType, 'transport-key': base64Encode(t.transportKey) }, base64Encode(t.body));
  return xml('openspime', { xmlns: NS_CORE, version: c.version }, originator, transport);
}

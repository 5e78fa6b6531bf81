// Deterministic multi-megabyte XMPP stream for bench/xml.js: OpenSpime data reports, encrypted
// transports with base64 payloads, pubsub events, chat with entities and non-ASCII text, presence,
// and white space keepalives. Plain JavaScript with no imports: it runs on Node and on XS.

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const WORDS = ['temperatura', 'città', 'più', 'naïve', 'Größe', '東京', 'センサー', 'データ', '😀', '🚀', 'CO₂', '°C', 'ppm', 'reading', 'spime', 'scope', '&amp;', '&lt;', '&gt;', '&quot;', '&#233;', '&#x1F4A1;'];

export function generateStream(targetBytes, seed = 42) {
  const rnd = prng(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const num = (lo, hi, digits) => (lo + rnd() * (hi - lo)).toFixed(digits);
  const b64 = (n) => { let s = ''; for (let k = 0; k < n; k++) s += B64[Math.floor(rnd() * 64)]; return s + '=='; };
  const words = (n) => { const w = []; for (let k = 0; k < n; k++) w.push(pick(WORDS)); return w.join(' '); };
  const spime = '4A6B-5638-0312111D@spime.openspime.com/spime';
  const scope = '775B-F2C2-2B3765F4@scopenode.openspime.com/co2';
  const parts = ["<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='bench' from='spime.openspime.com' version='1.0' xml:lang='en'>"];
  let size = parts[0].length;
  let id = 0;
  while (size < targetBytes) {
    id++;
    const kind = rnd();
    let s;
    if (kind < 0.3) {
      s = `<iq from='${spime}' to='${scope}' xml:lang='en' type='set' id='r${id}'><openspime xmlns='openspime:protocol:core' version='0.9'><transport><data xmlns='openspime:protocol:extension:data' version='0.9'><entry><date>2008-04-02T17:54:${String(id % 60).padStart(2, '0')}+01:00</date><exposure>outdoor</exposure><lat>${num(-90, 90, 12)}</lat><lon>${num(-180, 180, 12)}</lon><ele unit='m'>${num(0, 3000, 1)}</ele><ppm>${num(300, 2000, 1)}</ppm></entry></data></transport></openspime></iq>`;
    } else if (kind < 0.5) {
      s = `<iq from='${spime}' to='${scope}' type='set' id='e${id}'><openspime xmlns='openspime:protocol:core' version='0.9'><originator cert='services@spime.openspime.com/cert'><sign>${b64(88)}</sign></originator><transport content-type='x-openspime/aes-base64' transport-key='${b64(172)}'>${b64(1024 + Math.floor(rnd() * 3072))}</transport></openspime></iq>`;
    } else if (kind < 0.7) {
      s = `<message from='pubsub.openspime.com' to='${spime}' id='p${id}'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='spimeseek'><item id='${b64(16).slice(0, 16)}'><entry xmlns='http://www.w3.org/2005/Atom'><title>${words(4)}</title><summary>${words(30)}</summary><link rel='alternate' type='text/html' href='http://openspime.org/?a=1&amp;b=${id}'/></entry></item></items></event></message>`;
    } else if (kind < 0.9) {
      s = `<message from='owner@mydomain.com/web' to='${spime}' type='chat' id='m${id}' xml:lang='it'><body>${words(20)}</body><thread>${b64(30)}</thread><active xmlns='http://jabber.org/protocol/chatstates'/></message>`;
    } else {
      s = `<presence from='owner@mydomain.com/web' to='${spime}'><show>chat</show><status>${words(5)}</status><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversations.im' ver='${b64(26)}'/></presence>`;
    }
    parts.push(s, rnd() < 0.1 ? '\n \n' : '\n');
    size += s.length * 1.1 + 1;
  }
  return parts.join('');
}

/** UTF-8 bytes of a string, in fixed-size chunks (split anywhere, as a socket would). */
export function toChunks(text, chunkSize) {
  const bytes = [];
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  const all = new Uint8Array(bytes);
  const chunks = [];
  for (let k = 0; k < all.length; k += chunkSize) chunks.push(all.slice(k, k + chunkSize));
  return chunks;
}

/** The same chunks as strings, as a peer reading decoded text (ltx, saxes) receives them:
 *  a sequence split by a chunk boundary is completed from the next chunk. */
export function toStringChunks(chunks) {
  const out = [];
  let carry = [];
  for (const chunk of chunks) {
    let end = chunk.length;
    // Back up to the start of an incomplete trailing sequence.
    let k = end - 1, back = 0;
    while (k >= 0 && back < 3 && (chunk[k] & 0xc0) === 0x80) { k--; back++; }
    if (k >= 0 && chunk[k] >= 0xc0) {
      const len = chunk[k] >= 0xf0 ? 4 : chunk[k] >= 0xe0 ? 3 : 2;
      if (end - k < len) end = k;
    }
    const bytes = carry.concat(Array.from(chunk.subarray(0, end)));
    carry = Array.from(chunk.subarray(end));
    const codes = [];
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i];
      let c;
      if (b < 0x80) { c = b; i += 1; }
      else if (b < 0xe0) { c = ((b & 0x1f) << 6) | (bytes[i + 1] & 63); i += 2; }
      else if (b < 0xf0) { c = ((b & 0x0f) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63); i += 3; }
      else { c = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63); i += 4; }
      codes.push(c);
    }
    // Pieces, not one += per character: XS copies the whole string on each +=.
    const pieces = [];
    for (let k = 0; k < codes.length; k += 1024) pieces.push(String.fromCodePoint.apply(null, codes.slice(k, k + 1024)));
    out.push(pieces.join(''));
  }
  return out;
}

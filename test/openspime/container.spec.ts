// The container's structure (docs/PROTOCOL.md §4.1), portable: round trip, the v0.9 example
// shapes, and hostile input → OpenSpimeError with the profile's condition, never anything else.
import { buildContainer, parseContainer, type Container } from '../../src/openspime/container.js';
import { OpenSpimeError } from '../../src/openspime/errors.js';
import { NS_CORE } from '../../src/openspime/namespaces.js';
import { xml, XmlElement } from '../../src/xml/element.js';

const CT = 'x-openspime/aes128gcm-rsaoaep256-base64';
const core = (...children: Array<XmlElement | string>): XmlElement => xml('openspime', { xmlns: NS_CORE, version: '0.9' }, ...children);
const payload = (): XmlElement => xml('data', { xmlns: 'openspime:protocol:extension:data', version: '0.9' }, xml('entry', null, xml('date', null, '2008-04-02T17:54:22+01:00')));

function conditionOf(f: () => unknown): string {
  try { f(); } catch (e) { return e instanceof OpenSpimeError ? e.condition : `raw ${(e as Error)?.name}: ${(e as Error)?.message}`; }
  return 'accepted';
}

describe('container structure', () => {
  test('v0.9 §1.0.0: unsigned plain transport', () => {
    const c = parseContainer(core(xml('transport', null, payload())));
    expect(c.originator).toBeUndefined();
    expect(c.transport.kind).toBe('plain');
  });
  test('v0.9 §1.2.1 shape (indented base64, claimkey) parses; build(parse(x)) parses to the same', () => {
    const el = core(
      xml('originator', { cert: 'cert.spimeowners.com', osid: 'spimeowner@mydomain.com/web' },
        xml('sign', { alg: 'rsa-sha256' }, '\n   AAEC\n   AwQ= '),
        xml('claimkey', { cert: 'services@spime.openspime.com/cert', claims: '4A6B@spime.openspime.com/spime' }, ' BQY= ')),
      xml('transport', { 'content-type': 'x-openspime/aes128gcm-rsaoaep256-base64', 'transport-key': 'Bwg=' }, '\n CQoL \n'));
    const c = parseContainer(el);
    expect(c.originator!.sign!.value).toEqual(new Uint8Array([0, 1, 2, 3, 4]));
    expect(c.originator!.claimkey!.key).toEqual(new Uint8Array([5, 6]));
    expect(c.transport).toEqual({ kind: 'encrypted', contentType: 'x-openspime/aes128gcm-rsaoaep256-base64', transportKey: new Uint8Array([7, 8]), body: new Uint8Array([9, 10, 11]) });
    const again: Container = parseContainer(buildContainer(c));
    expect(again).toEqual(c);
  });

  const hostile: Array<[string, () => XmlElement, string]> = [
    ['wrong element', () => xml('openspime', { xmlns: 'urn:other', version: '0.9' }), 'bad-format'],
    ['no version', () => xml('openspime', { xmlns: NS_CORE }, xml('transport', null, payload())), 'bad-format'],
    ['version 1.0', () => xml('openspime', { xmlns: NS_CORE, version: '1.0' }, xml('transport', null, payload())), 'unsupported-version'],
    ['no transport', () => core(), 'bad-format'],
    ['two transports', () => core(xml('transport', null, payload()), xml('transport', null, payload())), 'bad-format'],
    ['two originators', () => core(xml('originator', { cert: 'c' }), xml('originator', { cert: 'c' }), xml('transport', null, payload())), 'bad-format'],
    ['unknown core element', () => core(xml('signature'), xml('transport', null, payload())), 'bad-format'],
    ['originator without cert', () => core(xml('originator', {}), xml('transport', null, payload())), 'bad-format'],
    ['empty osid', () => core(xml('originator', { cert: 'c', osid: ' ' }), xml('transport', null, payload())), 'bad-format'],
    ['two signs', () => core(xml('originator', { cert: 'c' }, xml('sign', null, 'AA=='), xml('sign', null, 'AA==')), xml('transport', null, payload())), 'bad-format'],
    ['sign not base64', () => core(xml('originator', { cert: 'c' }, xml('sign', null, '** Base64 encoded data **')), xml('transport', null, payload())), 'bad-format'],
    ['empty sign', () => core(xml('originator', { cert: 'c' }, xml('sign')), xml('transport', null, payload())), 'bad-format'],
    ['element inside sign', () => core(xml('originator', { cert: 'c' }, xml('sign', null, 'AA==', xml('x'))), xml('transport', null, payload())), 'bad-format'],
    ['element inside claimkey', () => core(xml('originator', { cert: 'c' }, xml('claimkey', { cert: 'c', claims: 'd' }, 'AA==', xml('x'))), xml('transport', null, payload())), 'bad-format'],
    ['claimkey without claims', () => core(xml('originator', { cert: 'c' }, xml('claimkey', { cert: 'c' }, 'AA==')), xml('transport', null, payload())), 'bad-format'],
    ['empty plain transport', () => core(xml('transport')), 'bad-format'],
    ['two payloads', () => core(xml('transport', null, payload(), payload())), 'bad-format'],
    ['text beside payload', () => core(xml('transport', null, 'junk', payload())), 'bad-format'],
    ['transport-key without content-type', () => core(xml('transport', { 'transport-key': 'AA==' }, payload())), 'bad-format'],
    ['encrypted without transport-key', () => core(xml('transport', { 'content-type': CT }, 'AA==')), 'bad-format'],
    ['encrypted with elements', () => core(xml('transport', { 'content-type': CT, 'transport-key': 'AA==' }, payload())), 'bad-format'],
    ['v0.9 stray brace in transport-key', () => core(xml('transport', { 'content-type': CT, 'transport-key': 'AAEC}' }, 'AA==')), 'bad-format'],
    ['text directly under <openspime/> (§4.1)', () => core('junk', xml('transport', null, payload())), 'bad-format'],
    ['text directly under <originator/> (§4.1)', () => core(xml('originator', { cert: 'c' }, 'junk', xml('sign', null, 'AA==')), xml('transport', null, payload())), 'bad-format'],
    ['unknown content type before its values are decoded (§4.4 step 1)', () => core(xml('transport', { 'content-type': 'x-other', 'transport-key': 'not base64!' }, 'nor this')), 'unsupported-content-type'],
    ['v0.9 content type', () => core(xml('transport', { 'content-type': 'x-openspime/aes-base64', 'transport-key': 'AA==' }, 'AA==')), 'unsupported-content-type'],
    ['structure before content type (§4.4 step 1)', () => core(xml('signature'), xml('transport', { 'content-type': 'x-other' }, 'AA==')), 'bad-format'],
    ['huge base64', () => core(xml('transport', { 'content-type': CT, 'transport-key': 'AA==' }, 'A'.repeat(200000))), 'bad-format'],
  ];
  test.each(hostile)('%s → %s', (_name, make, condition) => {
    expect(conditionOf(() => parseContainer(make()))).toBe(condition);
  });

  test('random mutations of a valid container never raise anything but OpenSpimeError', () => {
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const pieces = ['', ' ', 'AA==', '0.9', 'x', '<', '\u0000', NS_CORE, 'content-type', 'transport', 'originator', 'sign'];
    for (let i = 0; i < 400; i++) {
      const el = core(xml('originator', { cert: 'c', osid: 'o' }, xml('sign', null, 'AAEC')), xml('transport', { 'content-type': CT, 'transport-key': 'AA==' }, 'AQID'));
      const nodes: XmlElement[] = [];
      const walk = (e: XmlElement): void => { nodes.push(e); for (const k of e.children) if (typeof k !== 'string') walk(k); };
      walk(el);
      for (let m = 0; m < 3; m++) {
        const target = nodes[rnd(nodes.length)];
        switch (rnd(5)) {
          case 0: target.attrs[pieces[rnd(pieces.length)] || 'a'] = pieces[rnd(pieces.length)]; break;
          case 1: target.children.push(pieces[rnd(pieces.length)]); break;
          case 2: target.children = []; break;
          case 3: target.name = pieces[rnd(pieces.length)] || 'z'; break;
          default: target.ns = rnd(2) ? '' : NS_CORE;
        }
      }
      const r = conditionOf(() => parseContainer(el));
      expect(r.startsWith('raw')).toBe(false);
    }
  });
});

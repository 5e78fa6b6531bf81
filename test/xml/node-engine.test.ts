// The portable XML suites again under the Node host's engine settings (hosts/node/xml-engine.ts:
// byte loops instead of the regular-expression paths, Node's UTF-8 decoder, interned names), so
// that both ways of scanning are held to the same events, errors and offsets.
import '../../hosts/node/xml-engine.js';
import './conformance.spec.js';
import './split.spec.js';
import './limits.spec.js';
import './tokenizer.spec.js';
import './roundtrip.spec.js';
import { xmlEngine } from '../../src/xml/engine.js';

test('the Node engine settings are in force', () => {
  expect(xmlEngine.cheapLoops).toBe(true);
  expect(xmlEngine.decodeUtf8).not.toBeNull();
});

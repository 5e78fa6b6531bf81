// Proves the ejabberd harness (shared proof in harness-suite.ts) and its ejabberd-specific options.
import { describe, expect, test } from '@jest/globals';
import { startEjabberd, type EjabberdServer } from './ejabberd.js';
import { describeServerHarness } from './harness-suite.js';
import { probeFeatures } from './probe.js';

// ejabberd 23.01 can run every SCRAM variant from plain-stored passwords. It offers -PLUS on
// TLS 1.3 too, binding to 'tls-unique' (the client's Finished message) — a binding RFC 9266 says
// is undefined on TLS 1.3; it does not know tls-exporter.
const ALL_SCRAM = ['SCRAM-SHA-512-PLUS', 'SCRAM-SHA-512', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256', 'SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1'];

describeServerHarness('ejabberd', () => startEjabberd(), {
  mechanisms: ALL_SCRAM,
  plusBinding: 'tls-unique',
  extraPorts: (s) => [(s as EjabberdServer).apiPort],
});

describe('ejabberd options', () => {
  test('scramHash sha256 stores SCRAM-SHA-256 and offers only that family', async () => {
    const s = await startEjabberd({ scramHash: 'sha256' });
    try {
      expect((await probeFeatures(s, 'starttls')).mechanisms).toEqual(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']);
    } finally { await s.stop(); }
  });
});

// The spime's configuration faces on the XMPP client (docs/PROTOCOL.md §13): the signed
// `<config/>` extension in an OpenSpime iq, and the XEP-0050 ad-hoc commands (disco#items on the
// commands node, `<command/>` iqs). Both end in the one SpimeConfig; `applyConfig` hands every
// applied configuration to the live targets (scheduler and batching, ScopeNode, drivers).
// Wiring only: the protocol is in src/openspime/config.ts and src/spime/commands.ts.
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import { handleConfig, type OwnerAuthority } from '../openspime/config.js';
import { KeyDirectory } from '../openspime/pubkeys.js';
import type { SensorSettings } from '../sensors/suite.js';
import type { SpimeApp } from './app.js';
import { NS_COMMANDS, NS_DISCO_ITEMS, SpimeCommands } from './commands.js';
import { reportingOf, sensorSettingsOf, type ConfigValues, type SpimeConfig } from './config.js';
import type { OpenSpimeIqRouter } from './openspime-iq.js';
import type { Client } from '../xmpp/client.js';
import type { SpimeReporter } from '../roles/spime.js';

export interface SpimeConfigRoleOptions {
  client: Client;
  crypto: Crypto;
  /** The spime's key and the certification service publishing it. */
  key: RsaPrivateKey;
  cert: string;
  /** Certification services trusted for owners' keys and claim keys (the allow-list). */
  certServices: readonly string[];
  now: () => number;
  config: SpimeConfig;
  /** The owner record (src/spime/ownership.ts `Ownership`). */
  owner: OwnerAuthority;
  /** Facts for the Status command: [var, label, value]. */
  status: () => Array<[string, string, string]>;
  release?: () => void | Promise<void>;
  /** The spime's one entry for OpenSpime iq sets (shared with the claim handler). */
  router: OpenSpimeIqRouter;
}

export function attachSpimeConfig(o: SpimeConfigRoleOptions): { keys: KeyDirectory; commands: SpimeCommands } {
  const keys = new KeyDirectory({ iq: o.client, certServices: o.certServices, now: o.now });
  const self = { jid: o.client.jid, cert: o.cert, key: o.key };
  o.router.add((iq) => handleConfig(iq, { crypto: o.crypto, keys, now: o.now, self: { ...self, jid: o.client.jid }, owner: o.owner, config: o.config }));
  const commands = new SpimeCommands({ self: () => o.client.jid, isOwner: (j) => o.owner.isOwner(j), config: o.config, status: o.status, release: o.release, now: o.now });
  o.client.registerIq('get', 'query', NS_DISCO_ITEMS, (iq, q) => commands.items(iq, q));
  o.client.registerIq('set', 'command', NS_COMMANDS, (iq, c) => commands.execute(iq, c));
  return { keys, commands };
}

export interface ConfigTargets {
  app?: SpimeApp;
  reporter?: SpimeReporter;
  /** The provisioned ScopeNode, used while `scopenode` is empty. */
  defaultScopeNode?: { jid: string; cert: string };
  sensors?: { configure: (s: SensorSettings) => Promise<boolean> };
}

/** Applies a configuration live: the listener to give SpimeConfig.onChange. */
export function applyConfig(t: ConfigTargets): (values: Readonly<ConfigValues>) => void {
  return (v) => {
    const r = reportingOf(v);
    t.app?.reconfigure({ samplePeriodMs: r.samplePeriodMs, maxEntries: r.maxEntries, maxWaitMs: r.maxWaitMs, keepOldest: r.keepOldest, exposure: r.exposure });
    const jid = String(v.scopenode), cert = String(v['scopenode.cert']);
    if (t.reporter) {
      if (jid && cert) t.reporter.retarget(jid, cert);
      else if (t.defaultScopeNode) t.reporter.retarget(t.defaultScopeNode.jid, t.defaultScopeNode.cert);
    }
    void t.sensors?.configure(sensorSettingsOf(v)).catch(() => false);
  };
}

// The owner's side of the configuration extension (docs/PROTOCOL.md §13.3): get and set a
// spime's configuration with signed <config/> requests presenting the owner's claim key. The
// claim key comes from claiming again (the owner needs no secret for that, §6.4), so an owner's
// tool keeps no key material but its own signing key. Answers are opened and their signatures
// verified with the spime's key before anything is believed.
import type { Crypto, RsaPrivateKey } from '../crypto/crypto.js';
import { buildConfigGet, buildConfigSet, configErrorOf, parseConfigCurrent } from '../openspime/config.js';
import { OpenSpimeError } from '../openspime/errors.js';
import { bareJid, sameJid } from '../openspime/jid.js';
import { NS_CORE } from '../openspime/namespaces.js';
import { openContainer } from '../openspime/open.js';
import type { IqSender, KeyDirectory } from '../openspime/pubkeys.js';
import { seal } from '../openspime/seal.js';
import { SpimeError } from '../errors.js';
import { xml, type XmlElement } from '../xml/element.js';
import type { Owner } from './owner.js';
import { remoteCondition } from './scopenode.js';

export interface OwnerConfigOptions {
  client: IqSender & { readonly jid: string };
  crypto: Crypto;
  key: RsaPrivateKey;
  cert: string;
  /** Verifies the spimes' answers (Owner.keys). */
  keys: KeyDirectory;
  /** Claims again for a fresh claim key when none is given. */
  owner: Owner;
  /** The certification service publishing the spimes' keys (claimkey/@cert); default `cert`. */
  spimeCert?: string;
  now: () => number;
}

export interface SpimeConfiguration { version: number; values: Record<string, string> }

/** A refused configuration change: `invalid-field` (field), `version-not-newer` (current), or a profile condition. */
export class ConfigRefused extends SpimeError {
  readonly field: string | undefined;
  readonly current: number | undefined;
  constructor(condition: string, detail: { field?: string; current?: number }) {
    super(condition, detail.field ? `field ${detail.field}` : detail.current !== undefined ? `current version ${detail.current}` : undefined);
    this.field = detail.field;
    this.current = detail.current;
  }
}

export class OwnerConfigurator {
  readonly #o: OwnerConfigOptions;
  constructor(o: OwnerConfigOptions) { this.#o = o; }

  async get(spime: string, claimkey?: Uint8Array): Promise<SpimeConfiguration> {
    return this.#send(spime, buildConfigGet(), claimkey);
  }

  /** Applies `changes`; `version` defaults to the current one + 1 (asked first). */
  async set(spime: string, changes: ReadonlyArray<readonly [string, string]>, o: { version?: number; claimkey?: Uint8Array } = {}): Promise<SpimeConfiguration> {
    const claimkey = o.claimkey ?? (await this.#o.owner.claim(spime)).claimkey;
    const version = o.version ?? (await this.get(spime, claimkey)).version + 1;
    return this.#send(spime, buildConfigSet(version, changes), claimkey);
  }

  async #send(spime: string, payload: XmlElement, claimkey?: Uint8Array): Promise<SpimeConfiguration> {
    const o = this.#o;
    const key = claimkey ?? (await o.owner.claim(spime)).claimkey;
    const iq = xml('iq', { type: 'set', to: spime }, seal(payload, {
      crypto: o.crypto, osid: o.client.jid, cert: o.cert, signingKey: o.key,
      claimkey: { cert: o.spimeCert ?? o.cert, claims: bareJid(spime), key },
    }));
    let result: XmlElement;
    try {
      result = await o.client.request(iq);
    } catch (e) {
      const error = (e as { stanza?: XmlElement }).stanza?.getChild('error');
      const c = error && configErrorOf(error);
      if (c) throw new ConfigRefused(c.condition, c);
      throw remoteCondition(e) ?? e;
    }
    const container = result.getChild('openspime', NS_CORE);
    if (!container) throw new OpenSpimeError('not-signed', 'the spime answered without a signed container');
    const opened = await openContainer(container, result.attr('from') ?? spime, { crypto: o.crypto, keys: o.keys, now: o.now }, { direct: true });
    if (!sameJid(bareJid(opened.osid), bareJid(spime))) throw new OpenSpimeError('osid-mismatch', `answer signed by ${opened.osid}, not ${spime}`);
    return parseConfigCurrent(opened.payload);
  }
}

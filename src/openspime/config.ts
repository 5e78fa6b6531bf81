// The configuration extension (docs/PROTOCOL.md §13), the signed face of a spime's configuration:
//   <config xmlns='openspime:protocol:extension:config' version='0.9'>
//     <get/>                                                            request: the current one
//   | <set version='N'><item key='report.period'>30</item>…</set>       request: change it
//   | <current version='N'><item key=…>…</item>…</current>              answer (to both)
//   </config>
// inside a container signed by the owner and presenting its claim key (§6.2) for this spime. The
// spime's handler checks, cheapest first: payload, the owner record (osid is the owner), the
// claim key names this spime, version and fields (all before any key lookup or RSA); then the
// claim key's and the container's signatures (XEP-0189); then applies (src/spime/config.ts).
import { xml, type XmlElement } from '../xml/element.js';
import { SpimeError } from '../errors.js';
import { checkVersion, OpenSpimeError } from './errors.js';
import type { ClaimKeyBody } from './claimkey.js';
import { bareJid, sameJid } from './jid.js';
import { NS_STANZAS, VERSION } from './namespaces.js';
import { openIqContainer, type OpenOptions } from './open.js';
import { seal } from './seal.js';
import type { RsaPrivateKey } from '../crypto/crypto.js';

export const NS_CONFIG = 'openspime:protocol:extension:config';
export const NS_CONFIG_ERROR = 'openspime:protocol:extension:config:error';

export type ConfigValue = string | number | boolean;
export type ConfigValues = Record<string, ConfigValue>;

/** The most a configuration version may be (a u32 counter that never wraps). */
export const MAX_CONFIG_VERSION = 0xffff_ffff;
/** At most this many changes in one set (the whole schema, a little slack for repeats). */
export const MAX_CONFIG_CHANGES = 64;

/** Conditions: `invalid-field` (with `field`), `version-not-newer` (with `current`), `store-failed`. */
export class ConfigError extends SpimeError {
  readonly field: string | undefined;
  readonly current: number | undefined;
  constructor(condition: 'invalid-field' | 'version-not-newer' | 'store-failed', message: string, extra: { field?: string; current?: number } = {}) {
    super(condition, message);
    this.field = extra.field;
    this.current = extra.current;
  }
}

/** A typed value's text form (what travels: wire items, data-form values, the CLI). */
export function configValueText(v: ConfigValue): string {
  return typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
}

/** What the handler needs of the spime's configuration (src/spime/config.ts `SpimeConfig`). */
export interface ConfigStore {
  readonly version: number;
  readonly values: Readonly<ConfigValues>;
  /** Throws ConfigError (version-not-newer, invalid-field) without changing anything. */
  check(changes: ReadonlyArray<readonly [string, string]>, version: number): unknown;
  /** check, then persist and apply; returns the applied version; throws ConfigError. */
  apply(changes: ReadonlyArray<readonly [string, string]>, version: number): number;
}

export type ConfigRequest = { kind: 'get' } | { kind: 'set'; version: number; changes: Array<[string, string]> };

export function buildConfigGet(): XmlElement {
  return xml('config', { xmlns: NS_CONFIG, version: VERSION }, xml('get'));
}

export function buildConfigSet(version: number, changes: ReadonlyArray<readonly [string, string]>): XmlElement {
  return xml('config', { xmlns: NS_CONFIG, version: VERSION },
    xml('set', { version: String(version) }, changes.map(([key, value]) => xml('item', { key }, value))));
}

export function buildConfigCurrent(version: number, values: Readonly<ConfigValues>): XmlElement {
  return xml('config', { xmlns: NS_CONFIG, version: VERSION },
    xml('current', { version: String(version) }, Object.keys(values).sort().map((key) => xml('item', { key }, configValueText(values[key])))));
}

function bad(message: string): never {
  throw new OpenSpimeError('bad-format', message);
}

const VERSION_RE = /^\d{1,10}$/;

function configVersion(el: XmlElement): number {
  const v = el.attr('version')?.trim();
  if (v === undefined) bad(`<${el.name}/> without version`);
  if (!VERSION_RE.test(v) || Number(v) > MAX_CONFIG_VERSION) bad(`<${el.name}/> version '${v}'`);
  return Number(v);
}

function items(el: XmlElement): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const c of el.getChildren()) {
    if (c.name !== 'item' || c.ns !== NS_CONFIG) bad(`<${c.name}/> in <${el.name}/>`);
    const key = c.attr('key')?.trim();
    if (!key) bad('<item/> without key');
    if (c.getChildren().length) bad(`<item key='${key}'/> with child elements`);
    if (out.length >= MAX_CONFIG_CHANGES) bad(`more than ${MAX_CONFIG_CHANGES} items`);
    out.push([key, c.text().trim()]);
  }
  return out;
}

export function parseConfigRequest(el: XmlElement): ConfigRequest {
  if (el.name !== 'config' || el.ns !== NS_CONFIG) bad('not a config element');
  checkVersion(el, 'config');
  const kids = el.getChildren();
  if (kids.length !== 1 || kids[0].ns !== NS_CONFIG) bad('config wants exactly one of <get/>, <set/>');
  const k = kids[0];
  if (k.name === 'get') return { kind: 'get' };
  if (k.name === 'set') return { kind: 'set', version: configVersion(k), changes: items(k) };
  return bad(`<${k.name}/> is not a config request`);
}

export function parseConfigCurrent(el: XmlElement): { version: number; values: Record<string, string> } {
  if (el.name !== 'config' || el.ns !== NS_CONFIG) bad('not a config element');
  checkVersion(el, 'config');
  const cur = el.getChild('current', NS_CONFIG);
  if (!cur) bad('config without <current/>');
  const values: Record<string, string> = {};
  for (const [k, v] of items(cur)) values[k] = v;
  return { version: configVersion(cur), values };
}

/** The error of a refused change: `invalid-field` names the key, `version-not-newer` the current version. */
export function configErrorStanza(e: ConfigError): XmlElement {
  if (e.condition === 'invalid-field') {
    return xml('error', { type: 'modify' }, xml('bad-request', { xmlns: NS_STANZAS }),
      xml('invalid-field', { xmlns: NS_CONFIG_ERROR, key: e.field }), xml('text', { xmlns: NS_STANZAS }, e.message));
  }
  if (e.condition === 'version-not-newer') {
    return xml('error', { type: 'cancel' }, xml('conflict', { xmlns: NS_STANZAS }),
      xml('version-not-newer', { xmlns: NS_CONFIG_ERROR, current: String(e.current ?? 0) }));
  }
  return xml('error', { type: 'wait' }, xml('internal-server-error', { xmlns: NS_STANZAS }));
}

/** Reads a config error back: the condition and its detail (the field or the current version). */
export function configErrorOf(error: XmlElement): { condition: string; field?: string; current?: number } | undefined {
  const f = error.getChild('invalid-field', NS_CONFIG_ERROR);
  if (f) return { condition: 'invalid-field', field: f.attr('key') };
  const v = error.getChild('version-not-newer', NS_CONFIG_ERROR);
  if (v) return { condition: 'version-not-newer', current: Number(v.attr('current')) };
  return undefined;
}

/** What the owner record says (src/spime/ownership.ts `Ownership`). */
export interface OwnerAuthority {
  /** Is `jid` (full or bare, canonical comparison) the owner on record now? */
  isOwner(jid: string | undefined): boolean;
  /** Does a verified claim key presented by `osid` authorize it here (this spime, `osid` the owner now)? */
  claimKeyAuthorizes(claim: ClaimKeyBody | undefined, osid: string): boolean;
}

export interface ConfigHandlerOptions extends OpenOptions {
  /** The spime: its JID, its certification service and key (answers are signed). */
  self: { jid: string; cert: string; key: RsaPrivateKey };
  owner: OwnerAuthority;
  config: ConfigStore;
}

/** Carries a config refusal through openIqContainer's error path as a whole stanza error. */
class ConfigRefusal extends OpenSpimeError {
  readonly stanza: XmlElement;
  constructor(e: ConfigError) {
    super('bad-format', e.message);
    this.stanza = configErrorStanza(e);
  }
}

/** Not the owner, or no claim key for this spime: forbidden, and nothing else is told. */
function notOwner(message: string): never {
  throw new OpenSpimeError('not-authorized-for-spime', message);
}

/** Before any lookup: the osid is the owner on record, and it presents a claim key naming this spime. */
function precheckOwner(o: ConfigHandlerOptions, osid: string, claims: string | undefined): void {
  // The owner record decides, not the key alone: a released spime's old claim keys authorize nothing.
  if (!o.owner.isOwner(osid)) notOwner(`${osid} is not the owner`);
  if (claims === undefined || !sameJid(bareJid(claims), bareJid(o.self.jid))) notOwner('no claim key for this spime');
}

/**
 * The spime's answer to a config iq (PROTOCOL.md §13.3): a signed `<current/>` with the applied
 * (or current) version, or an error; undefined when the iq is not a config request. Refused
 * requests change nothing: every check runs before the configuration is touched.
 */
export async function handleConfig(iq: XmlElement, o: ConfigHandlerOptions): Promise<XmlElement | undefined> {
  let request: ConfigRequest | undefined;
  let refusal: ConfigRefusal | undefined;
  const reply = await openIqContainer(iq, o, {
    matches: (p) => p.name === 'config' && p.ns === NS_CONFIG,
    precheck: (p, osid, container) => {
      request = parseConfigRequest(p);
      precheckOwner(o, osid, container.originator?.claimkey?.claims);
      if (request.kind === 'set') {
        try { o.config.check(request.changes, request.version); } catch (e) {
          if (e instanceof ConfigError) throw (refusal = new ConfigRefusal(e));
          throw e;
        }
      }
    },
    handle: (opened) => {
      // After the lookups, with the verified key: the owner may have released the spime meanwhile.
      if (!o.owner.claimKeyAuthorizes(opened.claim, opened.osid)) notOwner(`${opened.osid}: claim key does not authorize it here`);
      const r = request!;
      if (r.kind === 'set') {
        try { o.config.apply(r.changes, r.version); } catch (e) {
          if (e instanceof ConfigError) throw (refusal = new ConfigRefusal(e));
          throw e;
        }
      }
      return seal(buildConfigCurrent(o.config.version, o.config.values), { crypto: o.crypto, osid: o.self.jid, cert: o.self.cert, signingKey: o.self.key });
    },
  });
  if (reply && refusal && reply.attr('type') === 'error') {
    return xml('iq', { type: 'error', id: reply.attr('id'), to: reply.attr('to'), from: reply.attr('from') }, refusal.stanza);
  }
  return reply;
}

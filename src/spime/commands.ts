// The conventional face of a spime's configuration (docs/PROTOCOL.md §13.4): XEP-0050 ad-hoc
// commands with XEP-0004 data forms, for an owner with an ordinary XMPP client. Three commands —
// Configure, Status, Release — listed by disco#items on the commands node (XEP-0050 §2.2) and
// executed, only for the owner's bare JID as the server stamps `from` (RFC 6120 §8.1.2.1: the
// server of a c2s account never lets a client forge it). Anyone else gets <forbidden/> for the
// list and for every command, with no text: they learn nothing, not even which commands exist.
//
// Configure shares validation, versioning and persistence with the signed face: a submitted form
// is one SpimeConfig.apply with the version the form carries (prefilled current + 1, so two
// owners' clients racing get a conflict, not a silent overwrite). Sessions are bounded and short.
import { xml, type XmlElement } from '../xml/element.js';
import { StanzaError } from '../xmpp/errors.js';
import { CONFIG_FIELDS, ConfigError, configValueText, type ConfigField, type SpimeConfig } from './config.js';

export const NS_COMMANDS = 'http://jabber.org/protocol/commands';
export const NS_DATA_FORMS = 'jabber:x:data';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';

export const COMMAND_NODES = { configure: 'configure', status: 'status', release: 'release' } as const;
const NAMES: Record<string, string> = { configure: 'Configure', status: 'Status', release: 'Release' };

/** Form field holding the version a submitted configuration creates. */
export const VERSION_FIELD = 'config.version';

export interface CommandsOptions {
  /** The spime's own full JID (the commands' `jid` in disco#items). */
  self: () => string;
  /** Is `jid` the owner on record (src/spime/ownership.ts `Ownership.isOwner`)? */
  isOwner: (jid: string) => boolean;
  config: SpimeConfig;
  /** One-line state and facts for the Status command (label → value). */
  status: () => Array<[string, string, string]>;
  /** Releases the spime (the owner record goes, h11a's release); undefined: not offered. */
  release?: () => void | Promise<void>;
  now: () => number;
  /** Session lifetime (ms) and how many may be open at once. */
  sessionMs?: number;
  maxSessions?: number;
}

interface Session { node: string; from: string; until: number }

function forbidden(): never {
  throw new StanzaError('forbidden', 'auth');
}

function fieldType(f: ConfigField): string {
  if (f.type.kind === 'bool') return 'boolean';
  if (f.type.kind === 'enum') return 'list-single';
  if (f.type.kind === 'jid') return 'jid-single';
  return 'text-single';
}

function formField(f: ConfigField, value: string): XmlElement {
  const options = f.type.kind === 'enum' ? f.type.values.map((v) => xml('option', { label: v || '(none)' }, xml('value', null, v))) : [];
  const desc = f.type.kind === 'int' || f.type.kind === 'number' ? `${f.type.min}…${f.type.max}${f.type.unit ? ' ' + f.type.unit : ''}` : undefined;
  return xml('field', { var: f.key, type: fieldType(f), label: f.label }, desc ? xml('desc', null, desc) : null, options, xml('value', null, value));
}

/** The values of a submitted form (XEP-0004 §3.4), one per field. */
export function formValues(x: XmlElement): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of x.getChildren('field', NS_DATA_FORMS)) {
    const name = f.attr('var');
    if (!name || name === 'FORM_TYPE') continue;
    const values = f.getChildren('value', NS_DATA_FORMS);
    if (values.length > 1) throw new StanzaError('bad-request', 'modify', `${name}: more than one value`);
    out.push([name, values.length ? values[0].text() : '']);
  }
  return out;
}

export class SpimeCommands {
  readonly #o: CommandsOptions;
  readonly #sessions = new Map<string, Session>();
  #next = 1;

  constructor(o: CommandsOptions) {
    this.#o = o;
  }

  #isOwner(from: string): boolean {
    return !!from && this.#o.isOwner(from);
  }

  /** disco#items (XEP-0050 §2.2): the commands node lists them for the owner; others: forbidden. */
  items(iq: XmlElement, query: XmlElement): XmlElement {
    const node = query.attr('node');
    if (node === undefined) return xml('query', { xmlns: NS_DISCO_ITEMS }); // nothing public to list
    if (node !== NS_COMMANDS) throw new StanzaError('item-not-found', 'cancel');
    if (!this.#isOwner(iq.attr('from') ?? '')) forbidden();
    const jid = this.#o.self();
    const nodes = this.#o.release ? ['configure', 'status', 'release'] : ['configure', 'status'];
    return xml('query', { xmlns: NS_DISCO_ITEMS, node: NS_COMMANDS }, nodes.map((n) => xml('item', { jid, node: n, name: NAMES[n] })));
  }

  /** An iq set with <command/> (XEP-0050 §3): the reply's <command/>, or a StanzaError. */
  async execute(iq: XmlElement, cmd: XmlElement): Promise<XmlElement> {
    const from = iq.attr('from') ?? '';
    // Owner first: a stranger learns nothing, not even whether the node exists.
    if (!this.#isOwner(from)) forbidden();
    const node = cmd.attr('node') ?? '';
    if (!(node in NAMES) || (node === 'release' && !this.#o.release)) throw new StanzaError('item-not-found', 'cancel');
    const action = cmd.attr('action') ?? 'execute';
    const now = this.#o.now();
    for (const [id, s] of this.#sessions) if (s.until < now) this.#sessions.delete(id);
    const sid = cmd.attr('sessionid');
    const x = cmd.getChild('x', NS_DATA_FORMS);
    const submitted = x && x.attr('type') === 'submit' ? x : undefined;

    if (sid !== undefined) {
      const s = this.#sessions.get(sid);
      // XEP-0050 §4.6: an unknown or foreign session is bad-request + bad-sessionid
      if (!s || s.node !== node || s.from !== from) throw new StanzaError('bad-request', 'modify', 'bad-sessionid');
      if (action === 'cancel') { this.#sessions.delete(sid); return this.#reply(node, sid, 'canceled'); }
      if (!submitted) throw new StanzaError('bad-request', 'modify', 'bad-payload');
      this.#sessions.delete(sid); // single use: a replayed submission finds no session
      return this.#submit(node, sid, submitted);
    }
    if (action === 'cancel') throw new StanzaError('bad-request', 'modify', 'bad-sessionid');
    const id = `s${now.toString(36)}-${this.#next++}`;
    if (node === 'status') return this.#reply(node, id, 'completed', this.#statusForm());
    // A one-stage execute with a submitted form (some clients send it) is applied at once.
    if (submitted) return this.#submit(node, id, submitted);
    if (this.#sessions.size >= (this.#o.maxSessions ?? 4)) throw new StanzaError('resource-constraint', 'wait');
    this.#sessions.set(id, { node, from, until: now + (this.#o.sessionMs ?? 300_000) });
    return this.#reply(node, id, 'executing', node === 'configure' ? this.#configForm() : this.#releaseForm(), true);
  }

  async #submit(node: string, sid: string, x: XmlElement): Promise<XmlElement> {
    const values = formValues(x);
    if (node === 'release') {
      const confirm = values.find(([k]) => k === 'confirm')?.[1].trim();
      if (confirm !== '1' && confirm !== 'true') return this.#reply(node, sid, 'canceled', undefined, false, 'Not released.');
      await this.#o.release!();
      return this.#reply(node, sid, 'completed', undefined, false, 'Released: this spime has no owner now.');
    }
    const cfg = this.#o.config;
    const versionText = values.find(([k]) => k === VERSION_FIELD)?.[1].trim();
    const version = versionText === undefined ? cfg.version + 1 : /^\d{1,10}$/.test(versionText) ? Number(versionText) : NaN;
    // Only the fields that differ from the current values are changes (a form returns them all).
    const changes = values.filter(([k, v]) => k !== VERSION_FIELD && !(k in cfg.values && configValueText(cfg.values[k]) === v.trim()));
    try {
      cfg.apply(changes, version);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (e.condition === 'invalid-field') throw new StanzaError('bad-request', 'modify', e.message); // 'invalid-field: KEY: why'
      if (e.condition === 'version-not-newer') throw new StanzaError('conflict', 'cancel', `version-not-newer: current ${e.current}`);
      throw new StanzaError('internal-server-error', 'wait');
    }
    const result = xml('x', { xmlns: NS_DATA_FORMS, type: 'result' }, xml('title', null, 'Configuration applied'),
      xml('field', { var: VERSION_FIELD, label: 'Applied version' }, xml('value', null, String(cfg.version))));
    return this.#reply(node, sid, 'completed', result, false, `Applied version ${cfg.version}.`);
  }

  #configForm(): XmlElement {
    const cfg = this.#o.config;
    return xml('x', { xmlns: NS_DATA_FORMS, type: 'form' }, xml('title', null, 'Configure this spime'),
      xml('instructions', null, `Current version ${cfg.version}. Submitting creates version ${VERSION_FIELD}.`),
      xml('field', { var: VERSION_FIELD, type: 'text-single', label: 'Version this change creates (must exceed the current one)' }, xml('value', null, String(cfg.version + 1))),
      CONFIG_FIELDS.map((f) => formField(f, configValueText(cfg.values[f.key]))));
  }

  #statusForm(): XmlElement {
    return xml('x', { xmlns: NS_DATA_FORMS, type: 'result' }, xml('title', null, 'Spime status'),
      xml('field', { var: VERSION_FIELD, label: 'Configuration version' }, xml('value', null, String(this.#o.config.version))),
      this.#o.status().map(([v, label, value]) => xml('field', { var: v, label }, xml('value', null, value))));
  }

  #releaseForm(): XmlElement {
    return xml('x', { xmlns: NS_DATA_FORMS, type: 'form' }, xml('title', null, 'Release this spime'),
      xml('instructions', null, 'You will no longer own it: your claim keys stop authorizing anything on it.'),
      xml('field', { var: 'confirm', type: 'boolean', label: 'Release' }, xml('value', null, '0')));
  }

  #reply(node: string, sid: string, status: string, form?: XmlElement, actions = false, note?: string): XmlElement {
    return xml('command', { xmlns: NS_COMMANDS, node, sessionid: sid, status },
      actions ? xml('actions', { execute: 'complete' }, xml('complete')) : null,
      note ? xml('note', { type: 'info' }, note) : null,
      form ?? null);
  }
}

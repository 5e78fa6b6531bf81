// The configuration (PROTOCOL.md §13), portable: schema and validation all-or-nothing (an invalid
// field is named, nothing applied), versions (replays and older refused), one atomic record that
// survives reopening and a power cut at every tick of an update (old or new, never a mix), live
// listeners; and the XEP-0050 face: owner only, forbidden to others with the store unchanged.
import { SimFlash } from '../../hosts/sim/flash.js';
import { COMMAND_NODES, NS_COMMANDS, NS_DATA_FORMS, NS_DISCO_ITEMS, SpimeCommands, VERSION_FIELD } from '../../src/spime/commands.js';
import { CONFIG_FIELDS, CONFIG_RECORD, ConfigError, decodeConfigRecord, defaultConfig, reportingOf, sensorSettingsOf, SpimeConfig } from '../../src/spime/config.js';
import { FlashRecords } from '../../src/storage/records.js';
import { bareJid, sameJid } from '../../src/openspime/jid.js';
import { xml, type XmlElement } from '../../src/xml/element.js';
import { StanzaError } from '../../src/xmpp/errors.js';

const flash = () => new SimFlash({ blocks: 2, blockLength: 4096 });
const conditionOf = (f: () => unknown): string => {
  try { f(); } catch (e) { return e instanceof ConfigError ? `${e.condition}${e.field ? ' ' + e.field : ''}` : `raw ${(e as Error).message}`; }
  return 'applied';
};
const bytesOf = (fl: SimFlash) => fl.bytes.slice();

describe('SpimeConfig', () => {
  test('defaults; every field has a default its own parser accepts', () => {
    const c = new SpimeConfig(new FlashRecords(flash()));
    expect(c.version).toBe(0);
    expect(c.values['report.period']).toBe(60);
    expect(CONFIG_FIELDS.length).toBeGreaterThan(15);
    expect(conditionOf(() => c.check(CONFIG_FIELDS.map((f) => [f.key, String(f.default)]), 1))).toBe('applied');
  });

  test('a valid set applies, persists and reaches listeners; the record holds version and values together', () => {
    const fl = flash();
    const c = new SpimeConfig(new FlashRecords(fl));
    const seen: Array<[number, number]> = [];
    c.onChange((v, version) => seen.push([version, Number(v['report.period'])]));
    expect(c.apply([['report.period', '30'], ['co2.asc', 'false'], ['exposure', 'indoor']], 5)).toBe(5);
    expect(seen).toEqual([[0, 60], [5, 30]]);
    const again = new SpimeConfig(new FlashRecords(fl));
    expect([again.version, again.values['report.period'], again.values['co2.asc'], again.values.exposure]).toEqual([5, 30, false, 'indoor']);
    expect(reportingOf(again.values)).toMatchObject({ samplePeriodMs: 30_000, exposure: 'indoor' });
    expect(sensorSettingsOf(again.values).co2!.selfCalibration).toBe(false);
  });

  test.each([
    [[['report.period', '0']], 'invalid-field report.period'],
    [[['report.period', '30'], ['report.batch', 'x']], 'invalid-field report.batch'],
    [[['nonsense', '1']], 'invalid-field nonsense'],
    [[['co2.compensate', 'magic']], 'invalid-field co2.compensate'],
    [[['baro.elevation', '1e6']], 'invalid-field baro.elevation'],
    [[['gps.enabled', 'yes']], 'invalid-field gps.enabled'],
    [[['scopenode', 'scope@example.com']], 'invalid-field scopenode'],
    [[['report.period', '30'], ['report.period', '40']], 'invalid-field report.period'],
  ])('all or nothing: %j → %s, nothing stored', (changes, want) => {
    const fl = flash();
    const c = new SpimeConfig(new FlashRecords(fl));
    c.apply([['report.period', '90']], 1);
    const before = bytesOf(fl);
    expect(conditionOf(() => c.apply(changes as Array<[string, string]>, 2))).toBe(want);
    expect(bytesOf(fl)).toEqual(before);
    expect([c.version, c.values['report.period']]).toEqual([1, 90]);
  });

  test('versions: the same (a replay) or older → version-not-newer, nothing stored', () => {
    const fl = flash();
    const c = new SpimeConfig(new FlashRecords(fl));
    c.apply([['report.period', '30']], 7);
    const before = bytesOf(fl);
    for (const v of [7, 6, 0, -1, 1.5, 2 ** 32]) expect(conditionOf(() => c.apply([['report.period', '31']], v))).toBe('version-not-newer');
    expect(bytesOf(fl)).toEqual(before);
    expect(c.apply([['report.period', '31']], 8)).toBe(8);
  });

  test('a power cut at any tick of an update leaves the old configuration or the new one, whole', () => {
    const base = flash();
    const c0 = new SpimeConfig(new FlashRecords(base));
    for (let v = 1; v <= 12; v++) c0.apply([['report.period', String(10 + v)], ['report.batch', String(v)]], v); // fill the bank near a switch
    const image = base.bytes.slice();
    const outcomes = new Set<string>();
    for (let tick = 0; ; tick++) {
      const fl = flash();
      fl.bytes.set(image);
      const c = new SpimeConfig(new FlashRecords(fl));
      fl.cutAt(tick);
      let cut = false;
      try { c.apply([['report.period', '500'], ['report.batch', '50'], ['exposure', 'outdoor']], 13); } catch (e) {
        if (!(e instanceof ConfigError) || e.condition !== 'store-failed') throw e;
        cut = true;
        expect([c.version, c.values['report.period']]).toEqual([12, 22]); // memory = what was there
      }
      fl.revive();
      const after = new SpimeConfig(new FlashRecords(fl));
      const state = `${after.version}:${after.values['report.period']}:${after.values['report.batch']}:${after.values.exposure}`;
      expect(['12:22:12:', '13:500:50:outdoor']).toContain(state);
      outcomes.add(state);
      if (!cut) break;
    }
    expect(outcomes.size).toBe(2);
  });

  test('an undecodable record reads as none (defaults, version 0)', () => {
    const r = new FlashRecords(flash());
    r.set(CONFIG_RECORD, new Uint8Array([1, 2, 3]));
    expect(new SpimeConfig(r).version).toBe(0);
    expect(decodeConfigRecord(undefined)).toBeUndefined();
    expect(Object.keys(defaultConfig()).length).toBe(CONFIG_FIELDS.length);
  });
});

describe('XEP-0050 face', () => {
  const OWNER = 'owner@example.com';
  const setup = (owner: string | null = OWNER) => {
    const fl = flash();
    const config = new SpimeConfig(new FlashRecords(fl));
    let released = 0;
    const cmds = new SpimeCommands({
      self: () => 'spime@example.com/device', isOwner: (j) => owner !== null && sameJid(bareJid(j), owner), config, now: () => 1_000_000,
      status: () => [['pending', 'Readings not yet sent', '3']], release: () => { released++; },
    });
    return { fl, config, cmds, released: () => released };
  };
  const iq = (from: string) => xml('iq', { type: 'set', from, to: 'spime@example.com/device', id: 'x' });
  const stanzaCondition = async (p: Promise<unknown> | (() => unknown)): Promise<string> => {
    try { await (typeof p === 'function' ? p() : p); } catch (e) { return e instanceof StanzaError ? e.condition : `raw ${(e as Error).message}`; }
    return 'ok';
  };
  const submit = (fields: Record<string, string>) => xml('x', { xmlns: NS_DATA_FORMS, type: 'submit' },
    Object.entries(fields).map(([k, v]) => xml('field', { var: k }, xml('value', null, v))));
  const command = (node: string, more: Record<string, string> = {}, x?: XmlElement) => xml('command', { xmlns: NS_COMMANDS, node, ...more }, x ?? null);

  test('disco#items on the commands node: the owner (any resource, any case) sees three commands; others forbidden', async () => {
    const { cmds } = setup();
    const q = xml('query', { xmlns: NS_DISCO_ITEMS, node: NS_COMMANDS });
    const items = cmds.items(iq('Owner@Example.com/phone'), q);
    expect(items.getChildren('item').map((i) => i.attr('node'))).toEqual(['configure', 'status', 'release']);
    expect(await stanzaCondition(() => cmds.items(iq('mallory@example.com/x'), q))).toBe('forbidden');
    expect(await stanzaCondition(() => cmds.items(iq('owner@example.com.evil/x'), q))).toBe('forbidden');
    expect(await stanzaCondition(() => setup(null).cmds.items(iq('owner@example.com/x'), q))).toBe('forbidden');
  });

  test('Configure: form, then submit → applied with the form\'s version; the session is single use', async () => {
    const { cmds, config } = setup();
    const form = await cmds.execute(iq('owner@example.com/phone'), command(COMMAND_NODES.configure));
    expect(form.attr('status')).toBe('executing');
    const x = form.getChild('x')!;
    expect(x.getChildren('field').find((f) => f.attr('var') === VERSION_FIELD)!.getChildText('value')).toBe('1');
    const sessionid = form.attr('sessionid')!;
    const done = await cmds.execute(iq('owner@example.com/phone'), command('configure', { sessionid }, submit({ [VERSION_FIELD]: '1', 'report.period': '15' })));
    expect(done.attr('status')).toBe('completed');
    expect([config.version, config.values['report.period']]).toEqual([1, 15]);
    expect(await stanzaCondition(cmds.execute(iq('owner@example.com/phone'), command('configure', { sessionid }, submit({ [VERSION_FIELD]: '2', 'report.period': '16' }))))).toBe('bad-request');
    expect(config.values['report.period']).toBe(15);
  });

  test('Configure: an invalid field → bad-request naming it; an old version → conflict; nothing stored', async () => {
    const { cmds, config, fl } = setup();
    config.apply([['report.period', '20']], 3);
    const before = bytesOf(fl);
    let text = '';
    try { await cmds.execute(iq('owner@example.com/a'), command('configure', {}, submit({ [VERSION_FIELD]: '4', 'report.period': '0' }))); } catch (e) {
      text = `${(e as StanzaError).condition}: ${(e as StanzaError).text}`;
    }
    expect(text.startsWith('bad-request: invalid-field: report.period:')).toBe(true);
    expect(await stanzaCondition(cmds.execute(iq('owner@example.com/a'), command('configure', {}, submit({ [VERSION_FIELD]: '3', 'report.period': '30' }))))).toBe('conflict');
    expect(bytesOf(fl)).toEqual(before);
  });

  test('a non-owner gets forbidden for every command and action; the store is unchanged', async () => {
    const { cmds, fl, released } = setup();
    const before = bytesOf(fl);
    for (const node of ['configure', 'status', 'release', 'nonexistent']) {
      expect(await stanzaCondition(cmds.execute(iq('mallory@example.com/m'), command(node)))).toBe('forbidden');
      expect(await stanzaCondition(cmds.execute(iq('mallory@example.com/m'), command(node, {}, submit({ [VERSION_FIELD]: '9', 'report.period': '5', confirm: '1' }))))).toBe('forbidden');
    }
    expect(bytesOf(fl)).toEqual(before);
    expect(released()).toBe(0);
  });

  test('Status and Release', async () => {
    const { cmds, released } = setup();
    const status = await cmds.execute(iq('owner@example.com/a'), command('status'));
    expect(status.attr('status')).toBe('completed');
    expect(status.getChild('x')!.getChildren('field').map((f) => f.attr('var'))).toEqual([VERSION_FIELD, 'pending']);
    const form = await cmds.execute(iq('owner@example.com/a'), command('release'));
    await cmds.execute(iq('owner@example.com/a'), command('release', { sessionid: form.attr('sessionid')! }, submit({ confirm: '1' })));
    expect(released()).toBe(1);
  });
});

describe('factory reset and the version floor', () => {
  test('after a reset the values are the defaults, but a set signed before it stays refused', () => {
    const fl = flash();
    const records = new FlashRecords(fl);
    const c = new SpimeConfig(records);
    c.apply([['report.period', '30']], 5);
    // the owner record's factory reset: every record but the identity (`id.`) ones goes
    records.update(records.names().filter((n) => !n.startsWith('id.')).map((n) => [n, undefined] as const));
    const after = new SpimeConfig(new FlashRecords(fl));
    expect([after.values['report.period'], after.version]).toEqual([60, 5]);
    expect(conditionOf(() => after.apply([['report.period', '30']], 5))).toBe('version-not-newer');
    expect(after.apply([['report.period', '31']], 6)).toBe(6);
  });
});

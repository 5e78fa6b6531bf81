// The spime's configuration (docs/PROTOCOL.md §13): one schema, one validation, one version
// counter and one record shared by both faces — the signed OpenSpime `<config/>` extension
// (src/openspime/config.ts) and the XEP-0050 ad-hoc commands (./commands.ts).
//
// A change is a list of (key, text) pairs with the version it creates. It is applied whole or not
// at all: every key known, every value valid (the first invalid one is named), the version greater
// than the current one; then the new values and version are written as one record (atomic across
// a power cut: the old configuration or the new one, never a mix) and only then handed to the
// live targets (scheduler, batching, drivers). Memory holds what flash holds.
import { utf8Decode, utf8Encode } from '../bytes/utf8.js';
import { ConfigError, configValueText, MAX_CONFIG_CHANGES, MAX_CONFIG_VERSION, type ConfigValue, type ConfigValues } from '../openspime/config.js';
import type { SensorSettings } from '../sensors/suite.js';
import type { RecordStore } from '../storage/records.js';

export { ConfigError, configValueText, MAX_CONFIG_CHANGES, MAX_CONFIG_VERSION, type ConfigValue, type ConfigValues };


type FieldType =
  | { kind: 'int'; min: number; max: number; unit?: string }
  | { kind: 'number'; min: number; max: number; unit?: string; optional?: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'jid' };

export interface ConfigField {
  key: string;
  label: string;
  type: FieldType;
  default: ConfigValue;
}

const f = (key: string, label: string, type: FieldType, dflt: ConfigValue): ConfigField => ({ key, label, type, default: dflt });

/** The schema (PROTOCOL.md §13.2). Keys are stable names; `text` forms are what travels. */
export const CONFIG_FIELDS: readonly ConfigField[] = [
  f('report.period', 'Seconds between readings', { kind: 'int', min: 1, max: 86_400, unit: 's' }, 60),
  f('report.batch', 'Readings per report (at most)', { kind: 'int', min: 1, max: 200 }, 20),
  f('report.wait', 'Seconds a reading may wait for its report', { kind: 'int', min: 0, max: 86_400, unit: 's' }, 300),
  f('scopenode', 'ScopeNode JID (empty: as provisioned)', { kind: 'jid' }, ''),
  f('scopenode.cert', 'Certification service of the ScopeNode', { kind: 'jid' }, ''),
  f('exposure', 'Exposure (indoor, outdoor, or empty: not stated)', { kind: 'enum', values: ['', 'indoor', 'outdoor'] }, ''),
  f('co2.enabled', 'SCD4x CO2 sensor enabled', { kind: 'bool' }, true),
  f('co2.asc', 'SCD4x automatic self-calibration', { kind: 'bool' }, true),
  f('co2.t-offset', 'SCD4x temperature offset (°C)', { kind: 'number', min: 0, max: 20, unit: 'Cel' }, 4),
  f('co2.compensate', 'SCD4x compensation: pressure (from the barometer), altitude, none', { kind: 'enum', values: ['pressure', 'altitude', 'none'] }, 'pressure'),
  f('co2.altitude', 'SCD4x altitude for altitude compensation (m)', { kind: 'int', min: 0, max: 3000, unit: 'm' }, 0),
  f('baro.enabled', 'BMP280 barometer enabled', { kind: 'bool' }, true),
  f('baro.oversample', 'BMP280 pressure oversampling', { kind: 'enum', values: ['1', '2', '4', '8', '16'] }, '16'),
  f('baro.sea-level', 'BMP280 sea-level reference pressure (Pa)', { kind: 'number', min: 30_000, max: 110_000, unit: 'Pa' }, 101_325),
  f('baro.elevation', 'Known elevation (m; empty: from the first GPS fix)', { kind: 'number', min: -500, max: 9000, unit: 'm', optional: true }, ''),
  f('gps.enabled', 'GPS enabled', { kind: 'bool' }, true),
  f('log.overflow', 'When the flash log is full: drop-oldest or keep-oldest (skip new readings)', { kind: 'enum', values: ['drop-oldest', 'keep-oldest'] }, 'drop-oldest'),
  f('claim.lifetime', 'Lifetime of claim keys issued (days)', { kind: 'int', min: 1, max: 3650, unit: 'd' }, 365),
];

const FIELD_BY_KEY = new Map(CONFIG_FIELDS.map((x) => [x.key, x]));

export function configField(key: string): ConfigField | undefined {
  return FIELD_BY_KEY.get(key);
}


const INT_RE = /^[+-]?\d{1,10}$/;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// RFC 7622 in ASCII: local@domain[/resource], each part bounded; enough for a configuration value.
const JID_RE = /^(?:[^@/\s"&'<>:]{1,64}@)?[A-Za-z0-9.-]{1,255}(?:\/[^\s]{1,255})?$/;

function invalid(field: string, why: string): never {
  throw new ConfigError('invalid-field', `${field}: ${why}`, { field });
}

/** A value's text form → its typed value; throws invalid-field naming the key. */
export function parseConfigValue(key: string, text: string): ConfigValue {
  const spec = FIELD_BY_KEY.get(key);
  if (!spec) invalid(key, 'unknown key');
  const t = typeof text === 'string' ? text.trim() : invalid(key, 'not text');
  const type = spec.type;
  switch (type.kind) {
    case 'int': {
      if (!INT_RE.test(t)) invalid(key, `'${t}' is not an integer`);
      const v = Number(t);
      if (v < type.min || v > type.max) invalid(key, `${v} outside ${type.min}…${type.max}`);
      return v;
    }
    case 'number': {
      if (t === '' && type.optional) return '';
      if (!NUMBER_RE.test(t)) invalid(key, `'${t}' is not a number`);
      const v = Number(t);
      if (!(v >= type.min && v <= type.max)) invalid(key, `${v} outside ${type.min}…${type.max}`);
      return v;
    }
    case 'bool':
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      return invalid(key, `'${t}' is not true/false/1/0`);
    case 'enum':
      if (type.values.indexOf(t) < 0) invalid(key, `'${t}' is not one of ${type.values.map((x) => x || '(empty)').join(', ')}`);
      return t;
    case 'jid':
      if (t !== '' && !JID_RE.test(t)) invalid(key, `'${t}' is not a JID`);
      return t;
  }
}

export function defaultConfig(): ConfigValues {
  const out: ConfigValues = {};
  for (const x of CONFIG_FIELDS) out[x.key] = x.default;
  return out;
}

/**
 * Validates a change against `base` (all-or-nothing): every key known and valid, no key twice,
 * and the combination consistent. Returns the merged values; throws invalid-field.
 */
export function validateConfigChange(base: Readonly<ConfigValues>, changes: ReadonlyArray<readonly [string, string]>): ConfigValues {
  if (changes.length > MAX_CONFIG_CHANGES) invalid(changes[MAX_CONFIG_CHANGES][0], `more than ${MAX_CONFIG_CHANGES} changes`);
  const merged: ConfigValues = { ...base };
  const seen = new Set<string>();
  for (const [key, text] of changes) {
    if (seen.has(key)) invalid(key, 'given twice');
    seen.add(key);
    merged[key] = parseConfigValue(key, text);
  }
  // A ScopeNode is named with the service that vouches for its key, or not at all.
  if ((merged.scopenode === '') !== (merged['scopenode.cert'] === '')) invalid(seen.has('scopenode.cert') ? 'scopenode.cert' : 'scopenode', 'scopenode and scopenode.cert are set together');
  return merged;
}

export const CONFIG_RECORD = 'config';
/**
 * The highest version ever applied, u32 big-endian, in an `id.` record (factory reset keeps those,
 * src/spime/ownership.ts): after a reset the values are the defaults again but the version is not
 * 0, so a set signed before the reset stays refused (version-not-newer) if replayed.
 */
export const CONFIG_FLOOR_RECORD = 'id.cfg-floor';

function u32Bytes(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}
function readU32(b: Uint8Array | undefined): number {
  return b && b.length === 4 ? ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 : 0;
}
const RECORD_FORMAT = 1;

/** The record: UTF-8 JSON {f, v, c} (format, version, every value), well under 4,000 bytes. */
export function encodeConfigRecord(version: number, values: Readonly<ConfigValues>): Uint8Array {
  const c: ConfigValues = {};
  for (const x of CONFIG_FIELDS) c[x.key] = values[x.key];
  return utf8Encode(JSON.stringify({ f: RECORD_FORMAT, v: version, c }));
}

/** Decodes a stored record; a record that does not decode (never written by us) reads as none. */
export function decodeConfigRecord(bytes: Uint8Array | undefined, base: Readonly<ConfigValues> = defaultConfig()): { version: number; values: ConfigValues } | undefined {
  if (!bytes) return undefined;
  const text = utf8Decode(bytes);
  if (text === undefined) return undefined;
  let o: { f?: unknown; v?: unknown; c?: unknown };
  try { o = JSON.parse(text) as typeof o; } catch { return undefined; }
  if (!o || o.f !== RECORD_FORMAT || typeof o.v !== 'number' || !(o.v >= 0 && o.v <= MAX_CONFIG_VERSION) || typeof o.c !== 'object' || !o.c) return undefined;
  const values: ConfigValues = { ...base };
  for (const [k, v] of Object.entries(o.c as Record<string, unknown>)) {
    const spec = FIELD_BY_KEY.get(k);
    if (!spec || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) continue;
    try { values[k] = parseConfigValue(k, configValueText(v)); } catch { /* a field this firmware no longer accepts keeps its default */ }
  }
  return { version: o.v, values };
}

export type ConfigListener = (values: Readonly<ConfigValues>, version: number) => void;

/**
 * The configuration as stored: `version` and `values`, loaded from the record store; `apply`
 * validates, persists and then tells the listeners (live application). Single-threaded: an apply
 * runs to completion synchronously, so two sets cannot interleave.
 */
export class SpimeConfig {
  readonly #records: RecordStore;
  #version = 0;
  #values: ConfigValues;
  readonly #listeners: ConfigListener[] = [];
  readonly #defaults: ConfigValues;

  /**
   * `provisioned`: the host's values (e.g. the report period it was started with), in text form,
   * in force until a configuration is set (version 0); invalid ones throw invalid-field.
   */
  constructor(records: RecordStore, provisioned: ReadonlyArray<readonly [string, string]> = []) {
    this.#records = records;
    this.#defaults = validateConfigChange(defaultConfig(), provisioned);
    const stored = decodeConfigRecord(records.get(CONFIG_RECORD), this.#defaults);
    this.#values = stored?.values ?? { ...this.#defaults };
    this.#version = Math.max(stored?.version ?? 0, readU32(records.get(CONFIG_FLOOR_RECORD)));
  }

  get version(): number { return this.#version; }
  get values(): Readonly<ConfigValues> { return this.#values; }

  /** Every listener is called now with the current values, and after each applied change. */
  onChange(listener: ConfigListener): () => void {
    this.#listeners.push(listener);
    this.#notify(listener);
    return () => { const i = this.#listeners.indexOf(listener); if (i >= 0) this.#listeners.splice(i, 1); };
  }

  /** The checks of apply without applying: version, then every field. Returns the merged values. */
  check(changes: ReadonlyArray<readonly [string, string]>, version: number): ConfigValues {
    if (!Number.isInteger(version) || version > MAX_CONFIG_VERSION || version <= this.#version) {
      throw new ConfigError('version-not-newer', `version ${version} is not greater than the current ${this.#version}`, { current: this.#version });
    }
    return validateConfigChange(this.#values, changes);
  }

  /** Validates, persists (one atomic record), then applies live. Returns the applied version. */
  apply(changes: ReadonlyArray<readonly [string, string]>, version: number): number {
    const merged = this.check(changes, version);
    try {
      this.#records.update([[CONFIG_RECORD, encodeConfigRecord(version, merged)], [CONFIG_FLOOR_RECORD, u32Bytes(version)]]);
    } catch (e) {
      throw new ConfigError('store-failed', `config record not written: ${(e as Error)?.message ?? e}`);
    }
    this.#values = merged;
    this.#version = version;
    for (const l of this.#listeners.slice()) this.#notify(l);
    return version;
  }

  /** Factory reset: back to the defaults (the record goes; the version floor stays). */
  reset(): void {
    this.#records.delete(CONFIG_RECORD);
    this.#values = { ...this.#defaults };
    for (const l of this.#listeners.slice()) this.#notify(l);
  }

  #notify(l: ConfigListener): void {
    // A target that fails to take a value must not undo the stored configuration nor stop the others.
    try { l(this.#values, this.#version); } catch { /* reported by the target itself */ }
  }
}

/** The application's settings from a configuration (PROTOCOL.md §13.2: report.*, log.overflow). */
export function reportingOf(v: Readonly<ConfigValues>): { samplePeriodMs: number; maxEntries: number; maxWaitMs: number; keepOldest: boolean; exposure: 'indoor' | 'outdoor' | undefined } {
  const exposure = v.exposure === 'indoor' || v.exposure === 'outdoor' ? v.exposure : undefined;
  return {
    samplePeriodMs: Number(v['report.period']) * 1000,
    maxEntries: Number(v['report.batch']),
    maxWaitMs: Number(v['report.wait']) * 1000,
    keepOldest: v['log.overflow'] === 'keep-oldest',
    exposure,
  };
}

/** The sensors' settings from a configuration (co2.*, baro.*, gps.*), for SensorSuite.configure. */
export function sensorSettingsOf(v: Readonly<ConfigValues>): SensorSettings {
  const elevation = v['baro.elevation'];
  return {
    co2: {
      enabled: v['co2.enabled'] === true, selfCalibration: v['co2.asc'] === true, temperatureOffset: Number(v['co2.t-offset']),
      compensate: v['co2.compensate'] as 'pressure' | 'altitude' | 'none', altitude: Number(v['co2.altitude']),
    },
    barometer: {
      enabled: v['baro.enabled'] === true, oversampling: Number(v['baro.oversample']) as 1 | 2 | 4 | 8 | 16,
      seaLevelPressure: Number(v['baro.sea-level']), elevation: elevation === '' ? undefined : Number(elevation),
    },
    gps: { enabled: v['gps.enabled'] === true },
  };
}

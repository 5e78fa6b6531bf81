// SCD4x driver against the command-accurate simulator on a virtual clock (SCD4x datasheet §3).
import { SensorError } from '../../src/sensors/errors.js';
import { convertMeasurement, SCD4x } from '../../src/sensors/scd4x.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { SimI2CBus } from '../../hosts/sim/sensors/i2c.js';
import { SimSCD4x, type Air } from '../../hosts/sim/sensors/scd4x.js';

function rig(variant: 'SCD40' | 'SCD41' = 'SCD41', air: Air = { co2: 850, temperature: 22.5, humidity: 45 }, drift = 0) {
  const clock = new VirtualClock();
  const bus = new SimI2CBus();
  const chip = new SimSCD4x({ clock, environment: () => air, variant, drift });
  bus.attach(0x62, chip);
  const errors: SensorError[] = [];
  const scd = new SCD4x({ sensor: { io: bus.io }, clock, variant, onError: (e) => errors.push(e) });
  return { clock, bus, chip, scd, errors };
}

describe('SCD4x conversions (§3.6.2)', () => {
  test('datasheet example words 0x01f4 0x6667 0x5eb9 → 500 ppm, 25 °C, 37 %RH', () => {
    const s = convertMeasurement(0x01f4, 0x6667, 0x5eb9);
    expect(s.carbonDioxideGasSensor.CO2).toBe(500);
    expect(s.thermometer.temperature).toBeCloseTo(25.0, 2);
    expect(s.hygrometer.humidity).toBeCloseTo(37.0, 2);
  });
  test('range ends: raw 0 → -45 °C / 0 %RH, raw 65535 → 130 °C / 100 %RH', () => {
    expect(convertMeasurement(0, 0, 0).thermometer.temperature).toBe(-45);
    expect(convertMeasurement(0, 65535, 65535)).toMatchObject({ thermometer: { temperature: 130 }, hygrometer: { humidity: 100 } });
  });
});

describe('SCD4x periodic measurement', () => {
  test('no data for the first 5 s, then one reading per interval', async () => {
    const { clock, scd, chip } = rig();
    expect(await clock.run(scd.configure({ mode: 'periodic' }))).toBe(true);
    expect(chip.mode).toBe('periodic');
    expect(await clock.run(scd.sample())).toBeUndefined();
    expect(scd.fault).toBeUndefined();
    await clock.advance(5000);
    const s = await clock.run(scd.sample());
    expect(s!.carbonDioxideGasSensor.CO2).toBe(850);
    expect(s!.thermometer.temperature).toBeCloseTo(22.5, 2);
    expect(s!.hygrometer.humidity).toBeCloseTo(45, 2);
    // read_measurement emptied the buffer: data-ready is low again until the next interval
    expect(chip.dataReady).toBe(false);
    expect(await clock.run(scd.sample())).toBeUndefined();
    await clock.advance(5000);
    expect(await clock.run(scd.sample())).toBeDefined();
    expect(chip.log.filter((c) => c === 'readMeasurement')).toHaveLength(2);
  });

  test('sampling while idle is a caller mistake (throws)', () => {
    const { scd } = rig();
    expect(() => scd.sample()).toThrow(SensorError);
  });

  test('idle-only commands are refused by the chip during periodic measurement, and the driver never sends them', async () => {
    const { clock, scd, chip, bus } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    const io = new bus.io({ address: 0x62 });
    expect(() => io.write(Uint8Array.of(0x36, 0x82))).toThrow('NACK'); // get_serial_number
    expect(() => scd.serialNumber()).toThrow('invalid-state');
    expect(chip.log).not.toContain('getSerialNumber');
  });

  test('set_ambient_pressure is allowed while measuring (fed from the barometer)', async () => {
    const { clock, scd, chip } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    expect(await clock.run(scd.setAmbientPressure(98_700))).toBe(true);
    expect(chip.settings.ambientPressure).toBe(98_700);
    expect(chip.mode).toBe('periodic');
  });

  test('idle-only settings stop (waiting the 500 ms), apply, and restart', async () => {
    const { clock, scd, chip } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    const t0 = clock.now();
    await clock.run(scd.configure({ temperatureOffset: 5.4, altitude: 2000, automaticSelfCalibration: false }));
    expect(clock.now() - t0).toBeGreaterThanOrEqual(503);
    expect(chip.log.slice(-5)).toEqual(['stopPeriodicMeasurement', 'setTemperatureOffset', 'setSensorAltitude', 'setAutomaticSelfCalibrationEnabled', 'startPeriodicMeasurement']);
    expect(chip.settings.temperatureOffset).toBeCloseTo(5.4, 2); // sent as 0x07E6
    expect(chip.settings.altitude).toBe(2000);
    expect(chip.settings.automaticSelfCalibration).toBe(false);
    expect(chip.mode).toBe('periodic');
  });

  test('the chip does not answer during the 500 ms after stop_periodic_measurement', async () => {
    const { clock, scd, bus } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    const io = new bus.io({ address: 0x62 });
    io.write(Uint8Array.of(0x3f, 0x86)); // stop, behind the driver's back
    await clock.advance(499);
    expect(() => io.write(Uint8Array.of(0x36, 0x82))).toThrow('NACK');
    await clock.advance(1);
    expect(() => io.write(Uint8Array.of(0x36, 0x82))).not.toThrow();
  });

  test('a temperature offset shifts the reported temperature (§3.6.1)', async () => {
    const { clock, scd } = rig();
    await clock.run(scd.configure({ temperatureOffset: 6, mode: 'periodic' }));
    await clock.advance(5000);
    const s = await clock.run(scd.sample());
    expect(s!.thermometer.temperature).toBeCloseTo(20.5, 1); // 22.5 + 4 self-heating − 6
  });
});

describe('SCD4x idle commands', () => {
  test('serial number: datasheet example words → 273325796834238', async () => {
    const { clock, scd } = rig();
    expect(await clock.run(scd.serialNumber())).toBe(273325796834238);
  });
  test('single shot (SCD41) takes 5 s and returns one reading', async () => {
    const { clock, scd } = rig('SCD41', { co2: 1234, temperature: 19, humidity: 60 });
    await clock.run(scd.configure({ mode: 'single-shot' }));
    const t0 = clock.now();
    const s = await clock.run(scd.sample());
    expect(clock.now() - t0).toBeGreaterThanOrEqual(5000);
    expect(s!.carbonDioxideGasSensor.CO2).toBe(1234);
  });
  test('single shot on an SCD40 is a caller mistake', () => {
    const { scd } = rig('SCD40');
    expect(() => scd.configure({ mode: 'single-shot' })).toThrow('invalid-state');
  });
  test('out-of-range settings throw RangeError', () => {
    const { scd } = rig();
    expect(() => scd.configure({ altitude: 5000 })).toThrow(RangeError);
    expect(() => scd.configure({ ambientPressure: 50_000 })).toThrow(RangeError);
  });
});

describe('SCD4x faults are reported, not thrown', () => {
  test('a corrupted CRC yields crc-mismatch; the next reading is fine', async () => {
    const { clock, scd, chip, errors } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    await clock.advance(5000);
    chip.faults.corruptReads = 1; // corrupts the data-ready word
    expect(await clock.run(scd.sample())).toBeUndefined();
    expect(scd.fault?.condition).toBe('crc-mismatch');
    expect(errors.map((e) => e.condition)).toEqual(['crc-mismatch']);
    expect(await clock.run(scd.sample())).toBeDefined();
    expect(scd.fault).toBeUndefined();
  });
  test('a NACK yields nack', async () => {
    const { clock, scd, bus } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    bus.injectNack(0x62, 1);
    expect(await clock.run(scd.sample())).toBeUndefined();
    expect(scd.fault?.condition).toBe('nack');
  });
  test('an absent sensor yields nack from configure', async () => {
    const { clock, scd, bus } = rig();
    bus.detach(0x62);
    expect(await clock.run(scd.configure({ mode: 'periodic' }))).toBe(false);
    expect(scd.fault?.condition).toBe('nack');
  });
  test('data-ready stuck low becomes a timeout after three intervals', async () => {
    const { clock, scd, chip } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    chip.faults.stuckDataReady = true;
    await clock.advance(10_000);
    expect(await clock.run(scd.sample())).toBeUndefined();
    expect(scd.fault).toBeUndefined(); // not yet: within 15 s
    await clock.advance(6_000);
    expect(await clock.run(scd.sample())).toBeUndefined();
    expect(scd.fault?.condition).toBe('timeout');
  });
});

describe('SCD4x recovery', () => {
  test('a start that failed (sensor not yet answering) is retried by the next sample()', async () => {
    const { clock, scd, bus, chip } = rig();
    bus.detach(0x62);
    expect(await clock.run(scd.configure({ mode: 'periodic' }))).toBe(false);
    bus.attach(0x62, chip);
    expect(await clock.run(scd.sample())).toBeUndefined();
    expect(scd.fault).toBeUndefined();
    expect(chip.mode).toBe('periodic');
    await clock.advance(5000);
    expect(await clock.run(scd.sample())).toBeDefined();
  });
  test('after stop(), sampling is a caller mistake again', async () => {
    const { clock, scd, chip } = rig();
    await clock.run(scd.configure({ mode: 'periodic' }));
    await clock.run(scd.stop());
    expect(chip.mode).toBe('idle');
    expect(() => scd.sample()).toThrow('invalid-state');
  });
});

describe('SCD4x pressure compensation (§3.6.3–3.6.5)', () => {
  // At ~1000 m the air is thinner: an uncompensated photoacoustic sensor under-reads.
  const air = { co2: 1000, temperature: 20, humidity: 50, pressure: 90_000 };
  async function reading(configure: Parameters<SCD4x['configure']>[0]) {
    const { clock, scd } = rig('SCD41', air);
    await clock.run(scd.configure({ ...configure, mode: 'periodic' }));
    await clock.advance(5000);
    return (await clock.run(scd.sample()))!.carbonDioxideGasSensor.CO2;
  }
  test('uncompensated: reads low by actual/assumed pressure', async () => {
    expect(await reading({})).toBe(Math.round((1000 * 90_000) / 101_325));
  });
  test('the sensor altitude compensates approximately, the ambient pressure exactly', async () => {
    expect(Math.abs((await reading({ altitude: 1000 })) - 1000)).toBeLessThanOrEqual(2);
    expect(await reading({ ambientPressure: 90_000 })).toBe(1000);
  });
});

describe('SCD4x forced recalibration (§3.7.1)', () => {
  const outdoor = { co2: 420, temperature: 12, humidity: 70 };
  test('after 3 min outdoors, FRC to 420 ppm removes a +60 ppm drift', async () => {
    const { clock, scd, chip } = rig('SCD41', outdoor, 60);
    await clock.run(scd.configure({ mode: 'periodic' }));
    await clock.advance(180_000);
    expect((await clock.run(scd.sample()))!.carbonDioxideGasSensor.CO2).toBe(480);
    await clock.run(scd.stop());
    const t0 = clock.now();
    expect(await clock.run(scd.forcedRecalibration(420))).toBe(-60);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(400);
    await clock.run(scd.persistSettings());
    expect(chip.eepromWrites).toBe(1);
    await clock.run(scd.configure({ mode: 'periodic' }));
    await clock.advance(5000);
    expect((await clock.run(scd.sample()))!.carbonDioxideGasSensor.CO2).toBe(420);
  });
  test('too short a run first: the sensor answers 0xFFFF → calibration-failed', async () => {
    const { clock, scd } = rig('SCD41', outdoor, 60);
    await clock.run(scd.configure({ mode: 'periodic' }));
    await clock.advance(30_000);
    await clock.run(scd.stop());
    expect(await clock.run(scd.forcedRecalibration(420))).toBeUndefined();
    expect(scd.fault?.condition).toBe('calibration-failed');
  });
  test('FRC during periodic measurement or to an absurd target is a caller mistake', async () => {
    const { clock, scd } = rig();
    expect(() => scd.forcedRecalibration(100)).toThrow(RangeError);
    await clock.run(scd.configure({ mode: 'periodic' }));
    expect(() => scd.forcedRecalibration(420)).toThrow('invalid-state');
    expect(() => scd.persistSettings()).toThrow('invalid-state');
  });
});

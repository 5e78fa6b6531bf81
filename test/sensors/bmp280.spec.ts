// BMP280/BME280 driver against the register-accurate simulator (BMP280 datasheet §3–5).
import { BMP280, measurementTime } from '../../src/sensors/bmp280.js';
import { SensorError } from '../../src/sensors/errors.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { SimI2CBus } from '../../hosts/sim/sensors/i2c.js';
import { SimBMP280, type Weather } from '../../hosts/sim/sensors/bmp280.js';

function rig(weather: (t: number) => Weather = () => ({ temperature: 21.37, pressure: 100_653.27 }), chipId = 0x58, options: Partial<ConstructorParameters<typeof BMP280>[0]> = {}) {
  const clock = new VirtualClock();
  const bus = new SimI2CBus();
  const chip = new SimBMP280({ clock, environment: weather, chipId });
  bus.attach(0x77, chip);
  const errors: SensorError[] = [];
  const baro = new BMP280({ sensor: { io: bus.io, address: 0x77 }, clock, filter: 0, onError: (e) => errors.push(e), ...options });
  return { clock, bus, chip, baro, errors };
}

describe('BMP280 forced mode', () => {
  test('reads back the simulated weather through the datasheet compensation', async () => {
    const { clock, baro, chip } = rig();
    const s = await clock.run(baro.sample());
    expect(baro.chip).toBe('BMP280');
    expect(s!.thermometer.temperature).toBeCloseTo(21.37, 2);
    expect(Math.abs(s!.barometer.pressure - 100_653.27)).toBeLessThan(0.1); // 20-bit ADC ≈ 0.16 Pa steps
    expect(chip.ctrlMeas & 3).toBe(0); // back to sleep after the conversion
  });

  test('waits the datasheet max measurement time on the host clock (osrs_t ×2, osrs_p ×16 → 43.2 ms)', async () => {
    const { clock, baro } = rig();
    expect(measurementTime(2, 16)).toBeCloseTo(43.2, 1); // Table 13, ultra high resolution: 43.2 ms max
    expect(measurementTime(1, 1)).toBeCloseTo(6.4, 1); // ultra low power: 6.4 ms max
    const t0 = clock.now();
    await clock.run(baro.sample());
    expect(clock.now() - t0).toBe(44);
  });

  test('pressure oversampling skipped: temperature only, no pressure sample', async () => {
    const { clock, baro } = rig(undefined, 0x58, { pressureOversampling: 0 });
    expect(await clock.run(baro.sample())).toBeUndefined();
    expect(baro.fault).toBeUndefined();
  });

  test('BME280 (chip id 0x60) takes the same T/P path and adds humidity', async () => {
    const { clock, baro } = rig(() => ({ temperature: 21.37, pressure: 100_653.27, humidity: 43.21 }), 0x60);
    const s = await clock.run(baro.sample());
    expect(baro.chip).toBe('BME280');
    expect(s!.thermometer.temperature).toBeCloseTo(21.37, 2);
    expect(Math.abs(s!.barometer.pressure - 100_653.27)).toBeLessThan(0.1);
    expect(s!.hygrometer!.humidity).toBeCloseTo(43.21, 1);
  });

  test('BME280 humidity oversampling 0 skips the channel (ctrl_hum latched by ctrl_meas)', async () => {
    const { clock, baro } = rig(undefined, 0x60, { humidityOversampling: 0 });
    const s = await clock.run(baro.sample());
    expect(s!.hygrometer).toBeUndefined();
    expect(s!.barometer).toBeDefined();
  });

  test('a BMP280 never reports humidity', async () => {
    const { clock, baro } = rig();
    expect((await clock.run(baro.sample()))!.hygrometer).toBeUndefined();
  });
});

describe('BMP280 normal mode and IIR filter', () => {
  test('normal mode converts continuously; the driver just reads', async () => {
    let p = 100_000;
    const { clock, baro, chip } = rig(() => ({ temperature: 20, pressure: p }), 0x58, { mode: 'normal', standby: 62.5 });
    expect(await clock.run(baro.sample())).toBeUndefined(); // nothing converted yet: reset values
    await clock.advance(200);
    expect((await clock.run(baro.sample()))!.barometer.pressure).toBeCloseTo(100_000, 0);
    expect(chip.ctrlMeas & 3).toBe(3);
    p = 101_000;
    await clock.advance(200);
    expect((await clock.run(baro.sample()))!.barometer.pressure).toBeCloseTo(101_000, 0);
  });

  test('filter coefficient 16 smooths a pressure step (§3.4.3)', async () => {
    let p = 100_000;
    const { clock, baro } = rig(() => ({ temperature: 20, pressure: p }), 0x58, { filter: 16 });
    await clock.run(baro.sample());
    p = 101_600;
    const s = await clock.run(baro.sample());
    expect(s!.barometer.pressure).toBeCloseTo(100_100, 0); // 1/16 of the step
    expect(() => baro.configure({ filter: 3 as 2 })).toThrow(RangeError);
  });
});

describe('BMP280 altitude', () => {
  test('a known elevation (e.g. a GPS fix) sets the sea-level reference', async () => {
    const { clock, baro } = rig(() => ({ temperature: 15, pressure: 99_800 }));
    expect(baro.calibrateAltitude(122)).toBe(false); // no pressure read yet
    await clock.run(baro.sample());
    expect(baro.calibrateAltitude(122)).toBe(true);
    const s = await clock.run(baro.sample());
    expect(s!.altimeter.altitude).toBeCloseTo(122, 1);
  });
  test('with the standard reference, 101325 Pa is 0 m', async () => {
    const { clock, baro } = rig(() => ({ temperature: 15, pressure: 101_325 }));
    expect((await clock.run(baro.sample()))!.altimeter.altitude).toBeCloseTo(0, 0);
  });
});

describe('BMP280 faults are reported, not thrown', () => {
  test('wrong chip id', async () => {
    const { clock, baro, errors } = rig(undefined, 0x55);
    expect(await clock.run(baro.sample())).toBeUndefined();
    expect(baro.fault?.condition).toBe('wrong-chip-id');
    expect(errors).toHaveLength(1);
  });
  test('NACK, then recovery with a fresh probe', async () => {
    const { clock, baro, bus } = rig();
    await clock.run(baro.sample());
    bus.injectNack(0x77, 1);
    expect(await clock.run(baro.sample())).toBeUndefined();
    expect(baro.fault?.condition).toBe('nack');
    const before = bus.transactions.get(0x77)!;
    expect(await clock.run(baro.sample())).toBeDefined();
    expect(bus.transactions.get(0x77)! - before).toBeGreaterThan(5); // chip id + calibration read again
  });
  test('a conversion that never finishes is a timeout', async () => {
    const { clock, baro, chip } = rig();
    chip.faults.stuckMeasuring = true;
    expect(await clock.run(baro.sample())).toBeUndefined();
    expect(baro.fault?.condition).toBe('timeout');
  });
  test('nothing at the address', async () => {
    const { clock, baro, bus } = rig();
    bus.detach(0x77);
    expect(await clock.run(baro.sample())).toBeUndefined();
    expect(baro.fault?.condition).toBe('nack');
  });
});

// Board definitions: plausible pins, no pin used twice, and each board's fitted sensors running
// in the simulation through the same wiring as the device.
import { boards } from '../../boards/index.js';
import { VirtualClock } from '../../hosts/sim/sensors/clock.js';
import { simulatedSpime } from '../../hosts/sim/sensors/spime.js';

const all = Object.values(boards);

describe('board definitions', () => {
  test('named by Moddable platform identifier', () => {
    expect(Object.keys(boards).sort()).toEqual(['esp32', 'esp32/esp32s3']);
    for (const [platform, board] of Object.entries(boards)) expect(board.platform).toBe(platform);
  });
  test.each(all)('$name: every GPIO used once, and usable as I/O on its chip', (board) => {
    const pins = [board.i2c.data, board.i2c.clock, ...(board.gps ? [board.gps.receive, board.gps.transmit] : [])];
    expect(new Set(pins).size).toBe(pins.length);
    // ESP32: GPIO 6–11 are the SPI flash, 34–39 input-only. ESP32-S3: 26–32 flash/PSRAM, 43/44 the console UART.
    const forbidden = board.platform === 'esp32' ? [6, 7, 8, 9, 10, 11, 34, 35, 36, 37, 38, 39, 1, 3] : [26, 27, 28, 29, 30, 31, 32, 43, 44];
    for (const pin of pins) expect(forbidden).not.toContain(pin);
    expect(board.gps?.port).not.toBe(0); // UART0 is the console / xsbug
  });
  test.each(all)('$name: sensor addresses are the parts\' fixed I2C addresses', (board) => {
    expect(board.sensors.scd4x?.address).toBe(0x62);
    expect([0x76, 0x77]).toContain(board.sensors.bmp280?.address);
  });
});

describe.each(all)('simulated $name', (board) => {
  test('all fitted sensors report through the suite', async () => {
    const clock = new VirtualClock();
    const spime = simulatedSpime({ clock, board, seed: 3 });
    await clock.run(spime.start());
    await clock.advance(12_000);
    const entry = spime.manager.entry(spime.time());
    expect(Object.keys(entry).sort()).toEqual(['date', 'ele', 'humidity', 'lat', 'lon', 'ppm', 'pressure', 'temperature']);
    expect(spime.drivers.barometer!.chip).toBe(board.sensors.bmp280!.chip);
    await clock.run(spime.stop());
  });
});

// Espressif ESP32-DevKitC (ESP32-WROOM-32), Moddable platform `esp32`. I2C on the ESP-IDF
// conventional GPIO21 (SDA) / GPIO22 (SCL); the GNSS receiver on UART2 (GPIO16 RX, GPIO17 TX),
// leaving UART0 to the USB console and xsbug.
import type { Board } from '../../src/sensors/board.js';

const board: Board = Object.freeze({
  name: 'ESP32-DevKitC',
  platform: 'esp32',
  i2c: Object.freeze({ port: 0, data: 21, clock: 22, hz: 100_000 }),
  gps: Object.freeze({ port: 2, receive: 16, transmit: 17, baud: 9600, module: 'u-blox NEO-6M' }),
  // the DevKit's BOOT button (GPIO0, pulled up, pressed = low), held 5 s while the application
  // starts: press it just after power-on (held through reset, GPIO0 selects the ROM downloader)
  factoryReset: Object.freeze({ pin: 0, holdMs: 5000 }),
  sensors: Object.freeze({
    scd4x: Object.freeze({ address: 0x62, variant: 'SCD41' as const }),
    bmp280: Object.freeze({ address: 0x76, chip: 'BMP280' as const }), // BMP280 breakout, SDO to GND
  }),
});
export default board;

// Espressif ESP32-S3-DevKitC-1, Moddable platform `esp32/esp32s3`. I2C on GPIO4 (SDA) / GPIO5
// (SCL), the pins Moddable's esp32s3 host provider uses as its default I2C; the GNSS receiver on
// UART1 (GPIO18 RX, GPIO17 TX), UART0 (GPIO43/44) staying the console.
import type { Board } from '../../src/sensors/board.js';

const board: Board = Object.freeze({
  name: 'ESP32-S3-DevKitC-1',
  platform: 'esp32/esp32s3',
  i2c: Object.freeze({ port: 0, data: 4, clock: 5, hz: 100_000 }),
  gps: Object.freeze({ port: 1, receive: 18, transmit: 17, baud: 9600, module: 'u-blox NEO-M8N' }), // multi-GNSS: GN talker
  // the DevKit's BOOT button (GPIO0, pulled up, pressed = low), held 5 s while the application
  // starts: press it just after power-on (held through reset, GPIO0 selects the ROM downloader)
  factoryReset: Object.freeze({ pin: 0, holdMs: 5000 }),
  sensors: Object.freeze({
    scd4x: Object.freeze({ address: 0x62, variant: 'SCD40' as const }),
    bmp280: Object.freeze({ address: 0x77, chip: 'BME280' as const }), // BME280 breakout, SDO to VDDIO
  }),
});
export default board;

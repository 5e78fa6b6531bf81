// What a board definition (boards/<platform>/board.ts) says: the pins of the sensor buses and
// which sensors are fitted. On the device the Moddable manifest maps `spimekit/board` to the
// board of the build's platform (manifest `platforms`), so code never branches on the platform.

export interface Board {
  /** Human name, e.g. 'ESP32-DevKitC'. */
  name: string;
  /** The Moddable platform identifier (`mcconfig -p`), e.g. 'esp32', 'esp32/esp32s3'. */
  platform: string;
  /** ECMA-419 I2C options: GPIO numbers of SDA (`data`) and SCL (`clock`), bus speed. */
  i2c: { port?: number; data: number; clock: number; hz: number };
  /** The GNSS receiver's UART: ECMA-419 Serial port and GPIO numbers, module baud rate. */
  gps?: { port: number; receive: number; transmit: number; baud: number; module?: string };
  /** The factory-reset button (src/spime/factory-reset.ts): GPIO, pressed = low (pull-up), held this long at boot. */
  factoryReset?: { pin: number; holdMs: number };
  sensors: {
    scd4x?: { address: number; variant: 'SCD40' | 'SCD41' };
    /** BMP280 or BME280 (told apart by chip id), SDO low 0x76, high 0x77. */
    bmp280?: { address: number; chip?: 'BMP280' | 'BME280' };
  };
}

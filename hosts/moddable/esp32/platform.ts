// The ESP32 as the device: output to the console (trace: serial / xsbug), the provisioning record
// from NVS preferences (domain `spimekit`, one key per field, written by `npx spimekit provision`
// or a preference partition image), the flash log on the `spimelog` data partition of
// boards/*/partitions.csv and the record store on `spimerec`, and the board's sensors over ECMA-419 I2C and Serial.
import Preference from 'preference';
import SNTP from 'sntp';
import Time from 'time';
import WiFi from 'embedded:network/interface/wifi';
import flash from 'embedded:storage/flash';
import { ProvisioningError, readProvisioning, type Provisioning } from 'spimekit/host/provisioning';
import { startSensors } from 'spimekit/host/sensors/start';
import type { Flash } from 'spimekit/storage/flash';
import type { DataEntry } from 'spimekit/openspime/data';

export const platform = 'esp32';

export function log(text: string): void { trace(`${text}\n`); }

/** Not measured on the ESP32 yet (the lin build is where bench/device-heap.ts measures). */
export function heapPeak(): string { return 'unmeasured'; }

/** Unrecoverable at boot (no provisioning): said on the console, then an uncaught error, which
 *  makes XS abort and the device restart (and say it again) until it is provisioned. */
export function halt(text: string): never {
  trace(`${text}\n`);
  throw new Error(text);
}

export function provisioning(): Provisioning {
  return readProvisioning((name) => Preference.get('spimekit', name) ?? undefined);
}

export function openFlash(): Flash {
  return flash.open({ path: 'spimelog' }) as unknown as Flash;
}

/** The record store's partition (`spimerec` in each board's partitions.csv). */
export function openRecordFlash(): Flash {
  return flash.open({ path: 'spimerec' }) as unknown as Flash;
}

/** Wi-Fi with the provisioned credentials (`wifiSsid`, `wifiPassword`), then the wall clock by
 *  SNTP (`ntp`, default pool.ntp.org): mbedTLS checks the certificate's validity dates, which a
 *  board without a battery-backed clock cannot do at 1970. Resolves once both are there; the
 *  XMPP client's own retries cover a network that goes away later. Not run on a board yet. */
export function startNetwork(p: Provisioning): Promise<void> {
  const { wifiSsid: ssid, wifiPassword: password, ntp } = p;
  if (!ssid) return Promise.reject(new ProvisioningError('wifiSsid missing'));
  return new Promise((resolve) => {
    const wifi = new WiFi({
      onChanged() {
        if (wifi.connection < 500) return; // 500: has an address
        trace(`spimekit: wifi ${wifi.address ?? ''}\n`);
        wifi.close();
        const host = ntp ?? 'pool.ntp.org';
        new SNTP({ host }, (message, value) => {
          if (message === SNTP.time && value !== undefined) Time.set(value);
          else if (message === SNTP.retry) return;
          else trace(`spimekit: sntp ${host} failed\n`);
          resolve();
        });
      },
    });
    wifi.connect(password ? { SSID: ssid, password } : { SSID: ssid });
  });
}

export async function startReadings(): Promise<() => DataEntry | undefined> {
  const suite = await startSensors();
  return () => suite.manager.entry(suite.gpsTime() ?? Date.now());
}

// Name resolution on the ESP32: lwIP's resolver through Moddable's `net` module (asynchronous);
// a literal IPv4 address passes through.
import Net from 'net';

export function resolveHost(name: string): Promise<string | undefined> {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return Promise.resolve(name);
  return new Promise((resolve) => {
    Net.resolve(name, (_name: string, address?: string) => resolve(address || undefined));
  });
}

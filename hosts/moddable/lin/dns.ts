// Name resolution on the Linux target: the C library's resolver (host_lin.c), blocking, which a
// desktop process can afford; a literal IPv4 address passes through.
import { resolve } from 'spimekit/host/lin/native';

export function resolveHost(name: string): Promise<string | undefined> {
  return Promise.resolve(resolve(name));
}

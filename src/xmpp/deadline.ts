// A deadline on any wait for the peer that is not a stream read (those are the reader's): the TCP
// connect, the TLS handshake. Uses the host clock; the caller closes the stream on the rejection,
// which is what aborts the work in the transport.
import type { Clock } from './clock.js';
import { TimeoutError, type TimeoutStep } from './errors.js';

export function withDeadline<T>(clock: Clock, ms: number, step: TimeoutStep, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new TimeoutError(step, ms)), ms);
    work.then((v) => { clock.clearTimeout(timer); resolve(v); }, (e: unknown) => { clock.clearTimeout(timer); reject(e); });
  });
}

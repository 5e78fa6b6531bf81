// Typings of tls.js (the native sans-IO TLS session).
/** More ciphertext needed; the peer closed (close_notify); the certificate failed; any other failure. */
export const WANT: -1, CLOSED: -2, CERTIFICATE: -3, FAILED: -4;
type Bytes = ArrayBuffer | ArrayBufferView;
export default class TlsSession {
  /** `ca`: PEM or DER trust anchor; `servername`: SNI and the name verified. On a setup failure `setupError` is the library's code (else 0) and every other call throws. */
  constructor(ca: Bytes, servername: string);
  readonly setupError: number;
  close(): void;
  /** 0, or FAILED when more input is held than the bound. */
  feed(bytes: Bytes): number;
  /** Ciphertext to send, if any. */
  take(): ArrayBuffer | undefined;
  /** 0 when complete, WANT, or a failure code. */
  handshake(): number;
  /** Plaintext, or WANT / a failure code. */
  read(): ArrayBuffer | number;
  /** Bytes accepted, or a failure code. */
  write(bytes: Bytes): number;
  closeNotify(): void;
  readonly lastError: number;
  readonly detail: string;
  readonly version: string;
}

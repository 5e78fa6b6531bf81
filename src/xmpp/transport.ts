// The transport boundary (libstrophe style: one small struct of functions). A byte stream to the
// server that can be upgraded to TLS in place (RFC 6120 §5 STARTTLS) or opened directly in TLS
// (XEP-0368). Shaped after ECMA-419: on Moddable a TCP socket is handed to the TLS socket with
// `from:`, which is what `startTls()` does. Hosts: hosts/node/transport.ts.

export interface TransportHandler {
  data(bytes: Uint8Array): void;
  /** The connection ended; `error` when it ended by a fault (reset, TLS failure, timeout). */
  close(error?: Error): void;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** XEP-0368: TLS from the first byte instead of STARTTLS. */
  directTls?: boolean;
  /** TLS server name (SNI and certificate check); default: the XMPP domain. */
  servername: string;
  /** Deadlines the host should keep itself too (the client also enforces them on its clock):
   *  the TCP connect (plus the handshake, for direct TLS), and the STARTTLS handshake, ms. */
  connectTimeoutMs?: number;
  tlsTimeoutMs?: number;
}

export interface Transport {
  /** Resolves when the connection (and for direct TLS, the handshake) is up. */
  connect(options: ConnectOptions, handler: TransportHandler): Promise<void>;
  /** Queue bytes; hosts coalesce writes made in the same turn into one segment/record. */
  write(bytes: Uint8Array): void;
  /** Upgrade the open connection to TLS in place; certificate verification is always on. */
  startTls(): Promise<void>;
  /** Whether the connection is encrypted (PLAIN is refused otherwise). */
  readonly secure: boolean;
  /** Channel-binding data for SCRAM-PLUS (RFC 5929, RFC 9266), if the host can give it. */
  channelBinding?(type: ChannelBindingType): Uint8Array | undefined;
  /** Close; the handler's `close` follows once. Also aborts a pending connect or handshake. */
  close(): void;
}

export type ChannelBindingType = 'tls-exporter' | 'tls-server-end-point' | 'tls-unique';

// The shape both server harnesses (prosody.ts, ejabberd.ts) return, so a suite can run against
// either with `describe.each`.
export interface TestServer {
  kind: 'prosody' | 'ejabberd';
  /** The XMPP domain (clients connect to 127.0.0.1 and say this name in `to` and SNI). */
  host: string;
  /** RFC 6120 client port; STARTTLS is required before SASL. */
  c2sPort: number;
  /** XEP-0368 direct TLS client port. */
  directTlsPort: number;
  /** XEP-0114 external component port; `componentDomain` authenticates with `componentSecret`. */
  componentPort: number;
  componentDomain: string;
  componentSecret: string;
  /** XEP-0060 service. */
  pubsubDomain: string;
  /** PEM of the per-run CA that signed the server certificate. */
  caPem: string;
  caPath: string;
  /** Throwaway dir holding config, data, certificates and logs (removed by stop()). */
  configDir: string;
  /** The server's main log: read it when a test fails. */
  logPath: string;
  /** OS pid of the server process (changes on restart()). */
  readonly pid: number;
  register(user: string, password: string): Promise<void>;
  /** Stop and start again on the same ports with the same data and certificate. */
  restart(): Promise<void>;
  /** Stop the server and delete its dir. Idempotent. */
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

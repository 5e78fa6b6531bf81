// The native sans-IO TLS session (tls_xs.c over sansio_tls.c on mbedTLS). See tls.d.ts.
export const WANT = -1, CLOSED = -2, CERTIFICATE = -3, FAILED = -4;

export default class TlsSession @ "xs_spktls_destructor" {
	constructor(ca, servername) @ "xs_spktls_constructor";
	get setupError() @ "xs_spktls_get_setupError";
	close() @ "xs_spktls_close";
	feed(bytes) @ "xs_spktls_feed";
	take() @ "xs_spktls_take";
	handshake() @ "xs_spktls_handshake";
	read() @ "xs_spktls_read";
	write(bytes) @ "xs_spktls_write";
	closeNotify() @ "xs_spktls_close_notify";
	get lastError() @ "xs_spktls_get_lastError";
	get detail() @ "xs_spktls_get_detail";
	get version() @ "xs_spktls_get_version";
}

// A sans-IO TLS client: ciphertext in (feed), ciphertext out (take), plaintext through read/write.
// The only file that sees mbedTLS is sansio_tls.c; the XS glue (tls_xs.c) sees this header only.
#ifndef SPIMEKIT_SANSIO_TLS_H
#define SPIMEKIT_SANSIO_TLS_H

#include <stddef.h>
#include <stdint.h>

typedef struct spk_tls spk_tls;

// Results of spk_tls_handshake / spk_tls_read / spk_tls_write besides >= 0.
#define SPK_TLS_WANT (-1)           // needs more ciphertext from the peer
#define SPK_TLS_CLOSED (-2)         // the peer sent close_notify
#define SPK_TLS_CERTIFICATE (-3)    // the chain or the name did not verify: see spk_tls_last_error
#define SPK_TLS_FAILED (-4)         // any other TLS failure (alert, bad record, out of memory)

// ca: PEM (NUL-terminated inside ca_len) or DER; servername: SNI and the name checked. NULL on
// failure with *error set to the library's (negative) code.
spk_tls *spk_tls_new(const uint8_t *ca, size_t ca_len, const char *servername, int *error);
void spk_tls_free(spk_tls *tls);

// Received ciphertext; 0, or SPK_TLS_FAILED when it cannot be held (the input bound).
int spk_tls_feed(spk_tls *tls, const uint8_t *data, size_t length);
// Ciphertext waiting to go to the peer, and taking it (returns the bytes copied).
size_t spk_tls_pending(const spk_tls *tls);
size_t spk_tls_take(spk_tls *tls, uint8_t *buffer, size_t length);

// 0 when the handshake is complete, else SPK_TLS_WANT or a failure.
int spk_tls_handshake(spk_tls *tls);
// Plaintext out: bytes read (> 0), SPK_TLS_WANT when nothing complete is buffered, or a failure.
int spk_tls_read(spk_tls *tls, uint8_t *buffer, size_t length);
// Plaintext in: bytes accepted (all of them, or a failure).
int spk_tls_write(spk_tls *tls, const uint8_t *data, size_t length);
// Queues close_notify.
void spk_tls_close_notify(spk_tls *tls);

// The library's last error code (negative) and, after a certificate failure, the verify flags.
int spk_tls_last_error(const spk_tls *tls);
uint32_t spk_tls_verify_flags(const spk_tls *tls);
// A readable text for the last failure (the library's own wording).
void spk_tls_describe(const spk_tls *tls, char *buffer, size_t length);
// The negotiated protocol, e.g. "TLSv1.2".
const char *spk_tls_version(const spk_tls *tls);

#endif

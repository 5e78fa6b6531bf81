// The sans-IO TLS client on mbedTLS (2.28 on Debian for CI, 3.x/4.x on ESP-IDF): a memory BIO on
// each side, so the JS socket code moves ciphertext and STARTTLS is an in-place upgrade of an
// ECMA-419 TCP socket. Certificate chain and server name always verified; TLS 1.2 minimum.
#include "sansio_tls.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/version.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_MAJOR < 4
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#endif
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif
#if defined(MBEDTLS_ERROR_C)
#include <mbedtls/error.h>
#endif

// What the peer can make us buffer before the JS side drains it: two full records.
#define SPK_TLS_INPUT_LIMIT (2 * (16384 + 2048))

struct spk_tls {
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
#if MBEDTLS_VERSION_MAJOR < 4
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
#endif
	uint8_t *in;
	size_t inStart, inEnd, inCapacity;
	uint8_t *out;
	size_t outLength, outCapacity;
	int lastError;
	uint32_t verifyFlags;
};

static int bioSend(void *context, const unsigned char *data, size_t length)
{
	spk_tls *tls = context;
	if (tls->outLength + length > tls->outCapacity) {
		size_t capacity = tls->outCapacity ? tls->outCapacity : 1024;
		while (capacity < tls->outLength + length)
			capacity *= 2;
		uint8_t *out = realloc(tls->out, capacity);
		if (!out)
			return MBEDTLS_ERR_SSL_ALLOC_FAILED;
		tls->out = out;
		tls->outCapacity = capacity;
	}
	memcpy(tls->out + tls->outLength, data, length);
	tls->outLength += length;
	return (int)length;
}

static int bioRecv(void *context, unsigned char *buffer, size_t length)
{
	spk_tls *tls = context;
	size_t available = tls->inEnd - tls->inStart;
	if (!available)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (length > available)
		length = available;
	memcpy(buffer, tls->in + tls->inStart, length);
	tls->inStart += length;
	if (tls->inStart == tls->inEnd)
		tls->inStart = tls->inEnd = 0;
	return (int)length;
}

static int classify(spk_tls *tls, int ret)
{
	if ((ret == MBEDTLS_ERR_SSL_WANT_READ) || (ret == MBEDTLS_ERR_SSL_WANT_WRITE))
		return SPK_TLS_WANT;
	tls->lastError = ret;
	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return SPK_TLS_CLOSED;
	tls->verifyFlags = mbedtls_ssl_get_verify_result(&tls->ssl);
	if ((ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) || (tls->verifyFlags && (tls->verifyFlags != (uint32_t)-1)))
		return SPK_TLS_CERTIFICATE;
	return SPK_TLS_FAILED;
}

spk_tls *spk_tls_new(const uint8_t *ca, size_t caLength, const char *servername, int *error)
{
	int ret;
	spk_tls *tls = calloc(1, sizeof(spk_tls));
	*error = 0;
	if (!tls) {
		*error = MBEDTLS_ERR_SSL_ALLOC_FAILED;
		return NULL;
	}
#if MBEDTLS_VERSION_MAJOR >= 3
	if (psa_crypto_init() != PSA_SUCCESS) {
		free(tls);
		*error = MBEDTLS_ERR_SSL_HW_ACCEL_FAILED;
		return NULL;
	}
#endif
	mbedtls_ssl_init(&tls->ssl);
	mbedtls_ssl_config_init(&tls->conf);
	mbedtls_x509_crt_init(&tls->ca);
#if MBEDTLS_VERSION_MAJOR < 4
	mbedtls_entropy_init(&tls->entropy);
	mbedtls_ctr_drbg_init(&tls->drbg);
	if ((ret = mbedtls_ctr_drbg_seed(&tls->drbg, mbedtls_entropy_func, &tls->entropy, (const unsigned char *)"spimekit tls", 12)))
		goto bail;
#endif
	// PEM must be parsed with its NUL; the caller passes the bytes without one.
	if (caLength && ca[0] == '-') {
		uint8_t *pem = malloc(caLength + 1);
		if (!pem) {
			ret = MBEDTLS_ERR_SSL_ALLOC_FAILED;
			goto bail;
		}
		memcpy(pem, ca, caLength);
		pem[caLength] = 0;
		ret = mbedtls_x509_crt_parse(&tls->ca, pem, caLength + 1);
		free(pem);
	}
	else
		ret = mbedtls_x509_crt_parse_der(&tls->ca, ca, caLength);
	if (ret)
		goto bail;
	if ((ret = mbedtls_ssl_config_defaults(&tls->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)))
		goto bail;
	mbedtls_ssl_conf_authmode(&tls->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&tls->conf, &tls->ca, NULL);
#if MBEDTLS_VERSION_MAJOR >= 3
	mbedtls_ssl_conf_min_tls_version(&tls->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(&tls->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if MBEDTLS_VERSION_MAJOR < 4
	mbedtls_ssl_conf_rng(&tls->conf, mbedtls_ctr_drbg_random, &tls->drbg);
#endif
	if ((ret = mbedtls_ssl_setup(&tls->ssl, &tls->conf)))
		goto bail;
	if ((ret = mbedtls_ssl_set_hostname(&tls->ssl, servername)))
		goto bail;
	mbedtls_ssl_set_bio(&tls->ssl, tls, bioSend, bioRecv, NULL);
	return tls;
bail:
	*error = ret;
	spk_tls_free(tls);
	return NULL;
}

void spk_tls_free(spk_tls *tls)
{
	if (!tls)
		return;
	mbedtls_ssl_free(&tls->ssl);
	mbedtls_ssl_config_free(&tls->conf);
	mbedtls_x509_crt_free(&tls->ca);
#if MBEDTLS_VERSION_MAJOR < 4
	mbedtls_ctr_drbg_free(&tls->drbg);
	mbedtls_entropy_free(&tls->entropy);
#endif
	free(tls->in);
	free(tls->out);
	free(tls);
}

int spk_tls_feed(spk_tls *tls, const uint8_t *data, size_t length)
{
	if (tls->inStart) {
		memmove(tls->in, tls->in + tls->inStart, tls->inEnd - tls->inStart);
		tls->inEnd -= tls->inStart;
		tls->inStart = 0;
	}
	if (tls->inEnd + length > SPK_TLS_INPUT_LIMIT) {
		tls->lastError = MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
		return SPK_TLS_FAILED;
	}
	if (tls->inEnd + length > tls->inCapacity) {
		size_t capacity = tls->inEnd + length;
		if (capacity < 4096)
			capacity = 4096;
		uint8_t *in = realloc(tls->in, capacity);
		if (!in) {
			tls->lastError = MBEDTLS_ERR_SSL_ALLOC_FAILED;
			return SPK_TLS_FAILED;
		}
		tls->in = in;
		tls->inCapacity = capacity;
	}
	memcpy(tls->in + tls->inEnd, data, length);
	tls->inEnd += length;
	return 0;
}

size_t spk_tls_pending(const spk_tls *tls)
{
	return tls->outLength;
}

size_t spk_tls_take(spk_tls *tls, uint8_t *buffer, size_t length)
{
	if (length > tls->outLength)
		length = tls->outLength;
	memcpy(buffer, tls->out, length);
	memmove(tls->out, tls->out + length, tls->outLength - length);
	tls->outLength -= length;
	return length;
}

int spk_tls_handshake(spk_tls *tls)
{
	int ret = mbedtls_ssl_handshake(&tls->ssl);
	return ret ? classify(tls, ret) : 0;
}

int spk_tls_read(spk_tls *tls, uint8_t *buffer, size_t length)
{
	for (;;) {
		int ret = mbedtls_ssl_read(&tls->ssl, buffer, length);
		if (ret > 0)
			return ret;
		if (ret == 0) {
			tls->lastError = MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY;
			return SPK_TLS_CLOSED;
		}
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
		if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
#endif
		// TLS 1.3 (mbedTLS 3/4): after a NewSessionTicket, WANT_READ comes back although the next
		// record is already buffered; keep reading while ciphertext is left.
		if ((ret == MBEDTLS_ERR_SSL_WANT_READ) && ((tls->inEnd > tls->inStart) || mbedtls_ssl_check_pending(&tls->ssl)))
			continue;
		return classify(tls, ret);
	}
}

int spk_tls_write(spk_tls *tls, const uint8_t *data, size_t length)
{
	size_t done = 0;
	while (done < length) {
		int ret = mbedtls_ssl_write(&tls->ssl, data + done, length - done);
		if (ret < 0)
			return classify(tls, ret);
		done += (size_t)ret;
	}
	return (int)done;
}

void spk_tls_close_notify(spk_tls *tls)
{
	mbedtls_ssl_close_notify(&tls->ssl);
}

int spk_tls_last_error(const spk_tls *tls)
{
	return tls->lastError;
}

uint32_t spk_tls_verify_flags(const spk_tls *tls)
{
	return tls->verifyFlags;
}

void spk_tls_describe(const spk_tls *tls, char *buffer, size_t length)
{
	if (!length)
		return;
	buffer[0] = 0;
#if defined(MBEDTLS_ERROR_C)
	mbedtls_strerror(tls->lastError, buffer, length);
#endif
	if (tls->verifyFlags && (tls->verifyFlags != (uint32_t)-1)) {
		size_t used = strlen(buffer);
		if (used + 2 < length) {
			buffer[used++] = ':';
			buffer[used++] = ' ';
			buffer[used] = 0;
			mbedtls_x509_crt_verify_info(buffer + used, length - used, "", tls->verifyFlags);
			used = strlen(buffer);
			while (used && (buffer[used - 1] == '\n'))
				buffer[--used] = 0;
		}
	}
}

const char *spk_tls_version(const spk_tls *tls)
{
	return mbedtls_ssl_get_version(&tls->ssl);
}

/*
 * xsmc glue for spimekit/host/crypto/native (native.js): JS bytes in, ArrayBuffers out, over the
 * plain-C PSA layer in psa-crypto.c. No mbedTLS header here. Failures come back as the numeric
 * spk_status (returned, or thrown by the RsaKeyPair constructor); crypto.ts turns them into the
 * interface's CryptoError / false / undefined.
 *
 * XS may move ArrayBuffer data when it allocates, so every function allocates its result first
 * and only then takes the data pointers of its arguments.
 */
#include "xsmc.h"
#include "psa-crypto.h"

#include <stdlib.h>
#include <string.h>

static int gReady = 0;

static void ready(xsMachine *the)
{
	if (gReady) return;
	if (spk_init() != SPK_OK) xsUnknownError("PSA crypto init failed");
	gReady = 1;
}

static const uint8_t *bytes(xsMachine *the, xsSlot *slot, size_t *length)
{
	void *data;
	xsUnsignedValue count;
	_xsmcGetBuffer(the, slot, &data, &count, 0);
	*length = count;
	return data;
}

static size_t byteLength(xsMachine *the, xsSlot *slot)
{
	size_t length;
	bytes(the, slot, &length);
	return length;
}

static int hashArg(xsMachine *the, int index, size_t *hashLength)
{
	int hash = xsmcToInteger(xsArg(index));
	*hashLength = spk_hash_length(hash);
	if (!*hashLength) xsRangeError("unknown hash");
	return hash;
}

static void fail(xsMachine *the, spk_status status)
{
	xsmcSetInteger(xsResult, status);
}

void xs_spk_random(xsMachine *the)
{
	xsIntegerValue length = xsmcToInteger(xsArg(0));
	spk_status status;
	ready(the);
	if (length < 0 || length > 65536) xsRangeError("random length");
	xsmcSetArrayBuffer(xsResult, NULL, length);
	status = spk_random(xsmcToArrayBuffer(xsResult), length);
	if (status != SPK_OK) xsUnknownError("PSA random failed");
}

void xs_spk_digest(xsMachine *the)
{
	size_t hashLength, length;
	int hash = hashArg(the, 0, &hashLength);
	const uint8_t *data;
	spk_status status;
	ready(the);
	xsmcSetArrayBuffer(xsResult, NULL, hashLength);
	data = bytes(the, &xsArg(1), &length);
	status = spk_digest(hash, data, length, xsmcToArrayBuffer(xsResult));
	if (status != SPK_OK) fail(the, status);
}

void xs_spk_hmac(xsMachine *the)
{
	size_t hashLength, keyLength, length;
	int hash = hashArg(the, 0, &hashLength);
	const uint8_t *key, *data;
	spk_status status;
	ready(the);
	xsmcSetArrayBuffer(xsResult, NULL, hashLength);
	key = bytes(the, &xsArg(1), &keyLength);
	data = bytes(the, &xsArg(2), &length);
	status = spk_hmac(hash, key, keyLength, data, length, xsmcToArrayBuffer(xsResult));
	if (status != SPK_OK) fail(the, status);
}

void xs_spk_pbkdf2(xsMachine *the)
{
	size_t hashLength, passwordLength, saltLength;
	int hash = hashArg(the, 0, &hashLength);
	xsIntegerValue iterations = xsmcToInteger(xsArg(3)), length = xsmcToInteger(xsArg(4));
	const uint8_t *password, *salt;
	spk_status status;
	ready(the);
	if (iterations < 1 || length < 0 || length > 65536) { fail(the, SPK_BAD_INPUT); return; }
	xsmcSetArrayBuffer(xsResult, NULL, length);
	password = bytes(the, &xsArg(1), &passwordLength);
	salt = bytes(the, &xsArg(2), &saltLength);
	status = spk_pbkdf2(hash, password, passwordLength, salt, saltLength, (uint32_t)iterations, xsmcToArrayBuffer(xsResult), length);
	if (status != SPK_OK) fail(the, status);
}

/* (key, iv, plaintext, aad) -> ciphertext ‖ tag */
void xs_spk_gcm_encrypt(xsMachine *the)
{
	size_t keyLength, ivLength, length, aadLength;
	const uint8_t *key, *iv, *in, *aad;
	spk_status status;
	ready(the);
	xsmcSetArrayBuffer(xsResult, NULL, byteLength(the, &xsArg(2)) + 16);
	key = bytes(the, &xsArg(0), &keyLength);
	iv = bytes(the, &xsArg(1), &ivLength);
	in = bytes(the, &xsArg(2), &length);
	aad = bytes(the, &xsArg(3), &aadLength);
	status = spk_aes_gcm_encrypt(key, keyLength, iv, ivLength, aad, aadLength, in, length, xsmcToArrayBuffer(xsResult));
	if (status != SPK_OK) fail(the, status);
}

/* (key, iv, ciphertext ‖ tag, aad) -> plaintext */
void xs_spk_gcm_decrypt(xsMachine *the)
{
	size_t keyLength, ivLength, length, aadLength, outLength = byteLength(the, &xsArg(2));
	const uint8_t *key, *iv, *in, *aad;
	spk_status status;
	ready(the);
	outLength = outLength >= 16 ? outLength - 16 : 0;
	xsmcSetArrayBuffer(xsResult, NULL, outLength);
	key = bytes(the, &xsArg(0), &keyLength);
	iv = bytes(the, &xsArg(1), &ivLength);
	in = bytes(the, &xsArg(2), &length);
	aad = bytes(the, &xsArg(3), &aadLength);
	status = spk_aes_gcm_decrypt(key, keyLength, iv, ivLength, aad, aadLength, in, length, xsmcToArrayBuffer(xsResult));
	if (status != SPK_OK) {
		memset(xsmcToArrayBuffer(xsResult), 0, outLength);
		fail(the, status);
	}
}

/* (modulus, exponent, hash, data, signature) -> spk_status (0: verifies) */
void xs_spk_rsa_verify(xsMachine *the)
{
	size_t hashLength, modulusLength, exponentLength, length, signatureLength;
	int hash = hashArg(the, 2, &hashLength);
	const uint8_t *modulus, *exponent, *data, *signature;
	ready(the);
	modulus = bytes(the, &xsArg(0), &modulusLength);
	exponent = bytes(the, &xsArg(1), &exponentLength);
	data = bytes(the, &xsArg(3), &length);
	signature = bytes(the, &xsArg(4), &signatureLength);
	xsmcSetInteger(xsResult, spk_rsa_verify(modulus, modulusLength, exponent, exponentLength, hash, data, length, signature, signatureLength));
}

/* (modulus, exponent, message) -> ciphertext */
void xs_spk_rsa_oaep_encrypt(xsMachine *the)
{
	uint8_t out[SPK_MAX_RSA_BYTES];
	size_t modulusLength, exponentLength, length, outLength = 0;
	const uint8_t *modulus, *exponent, *message;
	spk_status status;
	ready(the);
	modulus = bytes(the, &xsArg(0), &modulusLength);
	exponent = bytes(the, &xsArg(1), &exponentLength);
	message = bytes(the, &xsArg(2), &length);
	status = spk_rsa_oaep_encrypt(modulus, modulusLength, exponent, exponentLength, message, length, out, &outLength);
	if (status != SPK_OK) fail(the, status);
	else xsmcSetArrayBuffer(xsResult, out, outLength);
}

/* ---- RsaKeyPair: a host object owning the PSA key ids ---- */

void xs_spk_rsa_destructor(void *data)
{
	if (data) {
		spk_rsa_destroy(data);
		free(data);
	}
}

static spk_rsa_key *rsaKey(xsMachine *the)
{
	spk_rsa_key *key = xsmcGetHostDataValidate(xsThis, xs_spk_rsa_destructor);
	if (!key || !key->signKey) xsUnknownError("RSA key closed");
	return key;
}

/* new RsaKeyPair(der: PKCS#1 or PKCS#8 bytes) or new RsaKeyPair(bits): generated in PSA.
 * Throws the spk_status number on failure. */
void xs_spk_rsa_constructor(xsMachine *the)
{
	spk_rsa_key key = { 0, 0, 0 }, *data;
	spk_status status;
	ready(the);
	if (xsmcTypeOf(xsArg(0)) == xsIntegerType || xsmcTypeOf(xsArg(0)) == xsNumberType)
		status = spk_rsa_generate((uint32_t)xsmcToInteger(xsArg(0)), &key);
	else {
		size_t length;
		const uint8_t *der = bytes(the, &xsArg(0), &length);
		status = spk_rsa_import(der, length, &key);
	}
	if (status != SPK_OK) {
		xsmcSetInteger(xsResult, status);
		xsThrow(xsResult);
	}
	data = malloc(sizeof(key));
	if (!data) {
		spk_rsa_destroy(&key);
		xsUnknownError("no memory");
	}
	*data = key;
	xsmcSetHostData(xsThis, data);
}

void xs_spk_rsa_close(xsMachine *the)
{
	spk_rsa_key *key = xsmcGetHostDataValidate(xsThis, xs_spk_rsa_destructor);
	if (key) spk_rsa_destroy(key);
}

void xs_spk_rsa_get_bits(xsMachine *the)
{
	xsmcSetInteger(xsResult, rsaKey(the)->bits);
}

/* (which: 0 modulus, 1 exponent) -> ArrayBuffer */
void xs_spk_rsa_public(xsMachine *the)
{
	uint8_t modulus[SPK_MAX_RSA_BYTES], exponent[SPK_MAX_RSA_BYTES];
	size_t modulusLength, exponentLength;
	spk_status status = spk_rsa_public(rsaKey(the), modulus, &modulusLength, exponent, &exponentLength);
	if (status != SPK_OK) xsUnknownError("PSA public key export failed");
	if (xsmcToInteger(xsArg(0)) == 0) xsmcSetArrayBuffer(xsResult, modulus, modulusLength);
	else xsmcSetArrayBuffer(xsResult, exponent, exponentLength);
}

/* (hash, data) -> signature */
void xs_spk_rsa_sign(xsMachine *the)
{
	uint8_t signature[SPK_MAX_RSA_BYTES];
	size_t hashLength, length, signatureLength = 0;
	int hash = hashArg(the, 0, &hashLength);
	spk_rsa_key *key = rsaKey(the);
	const uint8_t *data = bytes(the, &xsArg(1), &length);
	spk_status status = spk_rsa_sign(key, hash, data, length, signature, &signatureLength);
	if (status != SPK_OK) fail(the, status);
	else xsmcSetArrayBuffer(xsResult, signature, signatureLength);
}

/* (ciphertext) -> message */
void xs_spk_rsa_oaep_decrypt(xsMachine *the)
{
	uint8_t out[SPK_MAX_RSA_BYTES];
	size_t length, outLength = 0;
	spk_rsa_key *key = rsaKey(the);
	const uint8_t *ciphertext = bytes(the, &xsArg(0), &length);
	spk_status status = spk_rsa_oaep_decrypt(key, ciphertext, length, out, &outLength);
	if (status != SPK_OK) fail(the, status);
	else xsmcSetArrayBuffer(xsResult, out, outLength);
	memset(out, 0, sizeof(out));
}

/*
 * spimekit crypto primitives on the PSA Crypto API (see psa-crypto.h). Only PSA calls, so the
 * same file builds against mbedTLS 2.28 (Debian, the lin CI build) and mbedTLS 4 (ESP-IDF 6).
 * PSA's key formats are the portable ones: RSA key pairs as PKCS#1 RSAPrivateKey DER, public
 * keys as PKCS#1 RSAPublicKey DER (2.28's importer also takes PKCS#8, mbedTLS 4's does not, so
 * PKCS#8 is unwrapped here).
 *
 * One-shot calls only (psa_hash_compute, psa_mac_compute, psa_aead_encrypt, ...): no PSA operation
 * structs, whose layout depends on the library's build configuration. On ESP32 Moddable's make
 * compiles this file outside ESP-IDF's CMake, so the fewer configuration-dependent types it
 * shares with the library, the safer.
 */
#include "psa-crypto.h"

#include <psa/crypto.h>
#include <stdlib.h>
#include <string.h>

static spk_status fromPsa(psa_status_t status)
{
	switch (status) {
	case PSA_SUCCESS: return SPK_OK;
	case PSA_ERROR_INVALID_SIGNATURE:
	case PSA_ERROR_INVALID_PADDING: return SPK_REJECTED;
	case PSA_ERROR_INSUFFICIENT_MEMORY: return SPK_NO_MEMORY;
	case PSA_ERROR_INVALID_ARGUMENT:
	case PSA_ERROR_NOT_SUPPORTED:
	case PSA_ERROR_BUFFER_TOO_SMALL: return SPK_BAD_INPUT;
	default: return SPK_FAILED;
	}
}

/* A key that PSA refused at import is unusable key material, whatever PSA's reason. */
static spk_status importStatus(psa_status_t status)
{
	if (status == PSA_SUCCESS) return SPK_OK;
	if (status == PSA_ERROR_INSUFFICIENT_MEMORY) return SPK_NO_MEMORY;
	return SPK_BAD_KEY;
}

/* Zero-length pointers: some PSA versions check them before the length. */
static const uint8_t kNothing[1] = { 0 };
#define NONNULL(p) ((p) ? (p) : kNothing)

static void wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--) *v++ = 0;
}

spk_status spk_init(void)
{
	return fromPsa(psa_crypto_init());
}

spk_status spk_random(uint8_t *out, size_t length)
{
	if (!length) return SPK_OK;
	return fromPsa(psa_generate_random(out, length));
}

static psa_algorithm_t hashAlg(int hash)
{
	return hash == SPK_SHA1 ? PSA_ALG_SHA_1 : hash == SPK_SHA256 ? PSA_ALG_SHA_256 : 0;
}

size_t spk_hash_length(int hash)
{
	return hash == SPK_SHA1 ? 20 : hash == SPK_SHA256 ? 32 : 0;
}

spk_status spk_digest(int hash, const uint8_t *data, size_t length, uint8_t *out)
{
	size_t outLength;
	if (!hashAlg(hash)) return SPK_BAD_INPUT;
	return fromPsa(psa_hash_compute(hashAlg(hash), NONNULL(data), length, out, spk_hash_length(hash), &outLength));
}

/* RFC 2104 §2 rewrites the key before use: one longer than the block (64 bytes for both hashes)
 * becomes its hash, a shorter one is zero-padded. Done here for long keys so that PSA's key size
 * limit never applies; and PSA refuses zero-length keys, while the empty key and the one-byte key
 * 0x00 pad to the same block: use that. */
static spk_status importHmacKey(int hash, const uint8_t *key, size_t keyLength, psa_key_id_t *id)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_status_t status;
	uint8_t hashedKey[SPK_MAX_HASH];
	if (!hashAlg(hash)) return SPK_BAD_INPUT;
	if (keyLength > 64) {
		spk_status result = spk_digest(hash, key, keyLength, hashedKey);
		if (result != SPK_OK) return result;
		key = hashedKey;
		keyLength = spk_hash_length(hash);
	}
	psa_set_key_type(&attributes, PSA_KEY_TYPE_HMAC);
	psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_MESSAGE);
	psa_set_key_algorithm(&attributes, PSA_ALG_HMAC(hashAlg(hash)));
	status = psa_import_key(&attributes, keyLength ? key : kNothing, keyLength ? keyLength : 1, id);
	psa_reset_key_attributes(&attributes);
	wipe(hashedKey, sizeof(hashedKey));
	return fromPsa(status);
}

spk_status spk_hmac(int hash, const uint8_t *key, size_t keyLength, const uint8_t *data, size_t length, uint8_t *out)
{
	psa_key_id_t id;
	size_t outLength;
	spk_status result = importHmacKey(hash, key, keyLength, &id);
	if (result != SPK_OK) return result;
	result = fromPsa(psa_mac_compute(id, PSA_ALG_HMAC(hashAlg(hash)), NONNULL(data), length, out, spk_hash_length(hash), &outLength));
	psa_destroy_key(id);
	return result;
}

/* RFC 8018 §5.2 over PSA HMAC: the password is imported once, then U_1 ... U_c are MACs. (PSA's
 * own PBKDF2 key derivation is mbedTLS >= 3.4 only.) */
spk_status spk_pbkdf2(int hash, const uint8_t *password, size_t passwordLength, const uint8_t *salt, size_t saltLength,
	uint32_t iterations, uint8_t *out, size_t length)
{
	psa_key_id_t id;
	psa_algorithm_t alg = PSA_ALG_HMAC(hashAlg(hash));
	size_t hLen = spk_hash_length(hash), produced = 0, macLength;
	uint8_t u[SPK_MAX_HASH], t[SPK_MAX_HASH];
	uint8_t *block;
	uint32_t i = 1, c, k;
	spk_status result;
	if (!iterations) return SPK_BAD_INPUT;
	result = importHmacKey(hash, password, passwordLength, &id);
	if (result != SPK_OK) return result;
	block = malloc(saltLength + 4);
	if (!block) { psa_destroy_key(id); return SPK_NO_MEMORY; }
	if (saltLength) memcpy(block, salt, saltLength);
	while (produced < length && result == SPK_OK) {
		block[saltLength] = (uint8_t)(i >> 24); block[saltLength + 1] = (uint8_t)(i >> 16);
		block[saltLength + 2] = (uint8_t)(i >> 8); block[saltLength + 3] = (uint8_t)i;
		result = fromPsa(psa_mac_compute(id, alg, block, saltLength + 4, u, hLen, &macLength));
		memcpy(t, u, hLen);
		for (c = 1; c < iterations && result == SPK_OK; c++) {
			result = fromPsa(psa_mac_compute(id, alg, u, hLen, u, hLen, &macLength));
			for (k = 0; k < hLen; k++) t[k] ^= u[k];
		}
		k = (uint32_t)((length - produced) < hLen ? (length - produced) : hLen);
		memcpy(out + produced, t, k);
		produced += k;
		i++;
	}
	wipe(u, sizeof(u)); wipe(t, sizeof(t));
	free(block);
	psa_destroy_key(id);
	return result;
}

static spk_status importAesKey(const uint8_t *key, size_t keyLength, size_t ivLength, psa_key_usage_t usage, psa_key_id_t *id)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_status_t status;
	if ((keyLength != 16 && keyLength != 32) || ivLength != 12) return SPK_BAD_INPUT;
	psa_set_key_type(&attributes, PSA_KEY_TYPE_AES);
	psa_set_key_usage_flags(&attributes, usage);
	psa_set_key_algorithm(&attributes, PSA_ALG_GCM);
	status = psa_import_key(&attributes, key, keyLength, id);
	psa_reset_key_attributes(&attributes);
	return fromPsa(status);
}

spk_status spk_aes_gcm_encrypt(const uint8_t *key, size_t keyLength, const uint8_t *iv, size_t ivLength,
	const uint8_t *aad, size_t aadLength, const uint8_t *in, size_t length, uint8_t *out)
{
	psa_key_id_t id;
	size_t outLength;
	spk_status result = importAesKey(key, keyLength, ivLength, PSA_KEY_USAGE_ENCRYPT, &id);
	if (result != SPK_OK) return result;
	result = fromPsa(psa_aead_encrypt(id, PSA_ALG_GCM, iv, ivLength, NONNULL(aad), aadLength, NONNULL(in), length, out, length + 16, &outLength));
	psa_destroy_key(id);
	return result;
}

spk_status spk_aes_gcm_decrypt(const uint8_t *key, size_t keyLength, const uint8_t *iv, size_t ivLength,
	const uint8_t *aad, size_t aadLength, const uint8_t *in, size_t length, uint8_t *out)
{
	psa_key_id_t id;
	size_t outLength;
	psa_status_t status;
	spk_status result = importAesKey(key, keyLength, ivLength, PSA_KEY_USAGE_DECRYPT, &id);
	if (result != SPK_OK) return result;
	if (length < 16) { psa_destroy_key(id); return SPK_REJECTED; }
	status = psa_aead_decrypt(id, PSA_ALG_GCM, iv, ivLength, NONNULL(aad), aadLength, in, length, out, length - 16, &outLength);
	psa_destroy_key(id);
	/* Every way a ciphertext can fail looks the same to the caller. */
	if (status == PSA_SUCCESS) return SPK_OK;
	if (status == PSA_ERROR_INSUFFICIENT_MEMORY) return SPK_NO_MEMORY;
	return SPK_REJECTED;
}

/* ---- DER, just enough for PKCS#1 / PKCS#8 RSA keys ---- */

typedef struct { const uint8_t *p; size_t n; } span;

/* Reads one TLV of `tag` from *in; its contents go to *out and *in moves past it. */
static int derRead(span *in, uint8_t tag, span *out)
{
	size_t length, i, count;
	if (in->n < 2 || in->p[0] != tag) return 0;
	length = in->p[1];
	i = 2;
	if (length & 0x80) {
		count = length & 0x7f;
		if (count == 0 || count > 3 || in->n < 2 + count) return 0;
		for (length = 0; count--; i++) length = (length << 8) | in->p[i];
	}
	if (length > in->n - i) return 0;
	out->p = in->p + i;
	out->n = length;
	in->p += i + length;
	in->n -= i + length;
	return 1;
}

static span unsignedInteger(span s)
{
	while (s.n > 1 && s.p[0] == 0) { s.p++; s.n--; }
	return s;
}

static size_t derLengthSize(size_t n)
{
	return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
}

static uint8_t *derWriteHeader(uint8_t *p, uint8_t tag, size_t n)
{
	*p++ = tag;
	if (n < 0x80) *p++ = (uint8_t)n;
	else if (n < 0x100) { *p++ = 0x81; *p++ = (uint8_t)n; }
	else if (n < 0x10000) { *p++ = 0x82; *p++ = (uint8_t)(n >> 8); *p++ = (uint8_t)n; }
	else { *p++ = 0x83; *p++ = (uint8_t)(n >> 16); *p++ = (uint8_t)(n >> 8); *p++ = (uint8_t)n; }
	return p;
}

/* An unsigned big-endian value as a DER INTEGER body: leading zeros dropped, one 0x00 added when
 * the high bit is set. */
static size_t integerBodySize(span v)
{
	return v.n + ((v.p[0] & 0x80) ? 1 : 0);
}

static uint8_t *derWriteInteger(uint8_t *p, span v)
{
	p = derWriteHeader(p, 0x02, integerBodySize(v));
	if (v.p[0] & 0x80) *p++ = 0;
	memcpy(p, v.p, v.n);
	return p + v.n;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1). */
static uint8_t *rsaPublicKeyDer(const uint8_t *modulus, size_t modulusLength, const uint8_t *exponent, size_t exponentLength, size_t *length)
{
	span n = { modulus, modulusLength }, e = { exponent, exponentLength };
	size_t nb, eb, body;
	uint8_t *der, *p;
	if (!modulusLength || !exponentLength) return NULL;
	n = unsignedInteger(n);
	e = unsignedInteger(e);
	nb = integerBodySize(n); eb = integerBodySize(e);
	body = 1 + derLengthSize(nb) + nb + 1 + derLengthSize(eb) + eb;
	*length = 1 + derLengthSize(body) + body;
	der = malloc(*length);
	if (!der) return NULL;
	p = derWriteHeader(der, 0x30, body);
	p = derWriteInteger(p, n);
	derWriteInteger(p, e);
	return der;
}

static const uint8_t kRsaEncryption[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

/* The RSAPrivateKey inside `der`: itself (PKCS#1), or the privateKey OCTET STRING of a PKCS#8
 * PrivateKeyInfo whose algorithm is rsaEncryption. */
static int rsaPrivateKeyDer(const uint8_t *der, size_t length, span *out)
{
	span in = { der, length }, seq, version, next, alg, oid;
	if (!derRead(&in, 0x30, &seq) || in.n != 0) return 0;
	if (!derRead(&seq, 0x02, &version)) return 0;
	next = seq;
	if (seq.n && seq.p[0] == 0x02) { *out = (span){ der, length }; return 1; } /* PKCS#1: version, modulus, ... */
	if (!derRead(&next, 0x30, &alg) || !derRead(&alg, 0x06, &oid)) return 0;
	if (oid.n != sizeof(kRsaEncryption) || memcmp(oid.p, kRsaEncryption, oid.n)) return 0;
	return derRead(&next, 0x04, out);
}

/* ---- RSA ---- */

static psa_status_t importRsaPair(span der, psa_key_usage_t usage, psa_algorithm_t alg, psa_key_id_t *id)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_status_t status;
	psa_set_key_type(&attributes, PSA_KEY_TYPE_RSA_KEY_PAIR);
	psa_set_key_usage_flags(&attributes, usage);
	psa_set_key_algorithm(&attributes, alg);
	status = psa_import_key(&attributes, der.p, der.n, id);
	psa_reset_key_attributes(&attributes);
	return status;
}

static spk_status importPair(span der, spk_rsa_key *key)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_key_id_t sign, decrypt;
	psa_status_t status = importRsaPair(der, PSA_KEY_USAGE_SIGN_HASH, PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_ANY_HASH), &sign);
	if (status != PSA_SUCCESS) return importStatus(status);
	status = importRsaPair(der, PSA_KEY_USAGE_DECRYPT, PSA_ALG_RSA_OAEP(PSA_ALG_SHA_256), &decrypt);
	if (status != PSA_SUCCESS) { psa_destroy_key(sign); return importStatus(status); }
	status = psa_get_key_attributes(sign, &attributes);
	key->signKey = sign;
	key->decryptKey = decrypt;
	key->bits = (uint32_t)psa_get_key_bits(&attributes);
	psa_reset_key_attributes(&attributes);
	if (status != PSA_SUCCESS) { spk_rsa_destroy(key); return fromPsa(status); }
	return SPK_OK;
}

spk_status spk_rsa_import(const uint8_t *der, size_t length, spk_rsa_key *key)
{
	span pkcs1;
	if (!rsaPrivateKeyDer(der, length, &pkcs1)) return SPK_BAD_KEY;
	return importPair(pkcs1, key);
}

/* Generated inside PSA, exported once to re-import it under the two policies, then wiped: the
 * pair kept has no export permission. */
spk_status spk_rsa_generate(uint32_t bits, spk_rsa_key *key)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_key_id_t generated;
	psa_status_t status;
	size_t size = PSA_KEY_EXPORT_RSA_KEY_PAIR_MAX_SIZE(4096), length = 0;
	uint8_t *der;
	spk_status result;
	if (bits < 1024 || bits > 4096) return SPK_BAD_INPUT;
	psa_set_key_type(&attributes, PSA_KEY_TYPE_RSA_KEY_PAIR);
	psa_set_key_bits(&attributes, bits);
	psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_EXPORT);
	psa_set_key_algorithm(&attributes, PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_ANY_HASH));
	status = psa_generate_key(&attributes, &generated);
	psa_reset_key_attributes(&attributes);
	if (status != PSA_SUCCESS) return fromPsa(status);
	der = malloc(size);
	if (!der) { psa_destroy_key(generated); return SPK_NO_MEMORY; }
	status = psa_export_key(generated, der, size, &length);
	psa_destroy_key(generated);
	result = status == PSA_SUCCESS ? importPair((span){ der, length }, key) : fromPsa(status);
	wipe(der, size);
	free(der);
	return result;
}

void spk_rsa_destroy(spk_rsa_key *key)
{
	if (key->signKey) psa_destroy_key(key->signKey);
	if (key->decryptKey) psa_destroy_key(key->decryptKey);
	key->signKey = key->decryptKey = 0;
}

spk_status spk_rsa_public(const spk_rsa_key *key, uint8_t *modulus, size_t *modulusLength, uint8_t *exponent, size_t *exponentLength)
{
	uint8_t der[PSA_KEY_EXPORT_RSA_PUBLIC_KEY_MAX_SIZE(4096)];
	size_t length;
	span in, seq, n, e;
	psa_status_t status = psa_export_public_key(key->signKey, der, sizeof(der), &length);
	if (status != PSA_SUCCESS) return fromPsa(status);
	in = (span){ der, length };
	if (!derRead(&in, 0x30, &seq) || !derRead(&seq, 0x02, &n) || !derRead(&seq, 0x02, &e)) return SPK_FAILED;
	n = unsignedInteger(n); e = unsignedInteger(e);
	if (n.n > SPK_MAX_RSA_BYTES || e.n > SPK_MAX_RSA_BYTES) return SPK_FAILED;
	memcpy(modulus, n.p, n.n); *modulusLength = n.n;
	memcpy(exponent, e.p, e.n); *exponentLength = e.n;
	return SPK_OK;
}

spk_status spk_rsa_sign(const spk_rsa_key *key, int hash, const uint8_t *data, size_t length, uint8_t *signature, size_t *signatureLength)
{
	uint8_t digest[SPK_MAX_HASH];
	spk_status result = spk_digest(hash, data, length, digest);
	if (result != SPK_OK) return result;
	return fromPsa(psa_sign_hash(key->signKey, PSA_ALG_RSA_PKCS1V15_SIGN(hashAlg(hash)), digest, spk_hash_length(hash),
		signature, SPK_MAX_RSA_BYTES, signatureLength));
}

static spk_status importPublic(const uint8_t *modulus, size_t modulusLength, const uint8_t *exponent, size_t exponentLength,
	psa_key_usage_t usage, psa_algorithm_t alg, psa_key_id_t *id, size_t *bits)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_status_t status;
	size_t length;
	uint8_t *der = rsaPublicKeyDer(modulus, modulusLength, exponent, exponentLength, &length);
	if (!der) return modulusLength && exponentLength ? SPK_NO_MEMORY : SPK_BAD_KEY;
	psa_set_key_type(&attributes, PSA_KEY_TYPE_RSA_PUBLIC_KEY);
	psa_set_key_usage_flags(&attributes, usage);
	psa_set_key_algorithm(&attributes, alg);
	status = psa_import_key(&attributes, der, length, id);
	free(der);
	psa_reset_key_attributes(&attributes);
	if (status != PSA_SUCCESS) return importStatus(status);
	status = psa_get_key_attributes(*id, &attributes);
	*bits = psa_get_key_bits(&attributes);
	psa_reset_key_attributes(&attributes);
	if (status != PSA_SUCCESS) { psa_destroy_key(*id); return fromPsa(status); }
	return SPK_OK;
}

spk_status spk_rsa_verify(const uint8_t *modulus, size_t modulusLength, const uint8_t *exponent, size_t exponentLength,
	int hash, const uint8_t *data, size_t length, const uint8_t *signature, size_t signatureLength)
{
	uint8_t digest[SPK_MAX_HASH];
	psa_key_id_t id;
	psa_status_t status;
	size_t bits;
	spk_status result = spk_digest(hash, data, length, digest);
	if (result != SPK_OK) return result;
	result = importPublic(modulus, modulusLength, exponent, exponentLength, PSA_KEY_USAGE_VERIFY_HASH,
		PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_ANY_HASH), &id, &bits);
	if (result != SPK_OK) return result;
	status = psa_verify_hash(id, PSA_ALG_RSA_PKCS1V15_SIGN(hashAlg(hash)), digest, spk_hash_length(hash), NONNULL(signature), signatureLength);
	psa_destroy_key(id);
	/* A signature of the wrong length, a bad encoding, a wrong value: all just "no". */
	if (status == PSA_SUCCESS) return SPK_OK;
	if (status == PSA_ERROR_INSUFFICIENT_MEMORY) return SPK_NO_MEMORY;
	return SPK_REJECTED;
}

spk_status spk_rsa_oaep_encrypt(const uint8_t *modulus, size_t modulusLength, const uint8_t *exponent, size_t exponentLength,
	const uint8_t *message, size_t length, uint8_t *out, size_t *outLength)
{
	psa_key_id_t id;
	size_t bits, k;
	spk_status result = importPublic(modulus, modulusLength, exponent, exponentLength, PSA_KEY_USAGE_ENCRYPT,
		PSA_ALG_RSA_OAEP(PSA_ALG_SHA_256), &id, &bits);
	if (result != SPK_OK) return result;
	k = (bits + 7) / 8;
	/* RFC 8017 §7.1.1 step 1b: mLen <= k - 2hLen - 2. */
	if (k < 2 * 32 + 2) result = SPK_BAD_KEY;
	else if (length > k - 2 * 32 - 2) result = SPK_BAD_INPUT;
	else result = fromPsa(psa_asymmetric_encrypt(id, PSA_ALG_RSA_OAEP(PSA_ALG_SHA_256), NONNULL(message), length, NULL, 0,
		out, SPK_MAX_RSA_BYTES, outLength));
	psa_destroy_key(id);
	return result;
}

spk_status spk_rsa_oaep_decrypt(const spk_rsa_key *key, const uint8_t *ciphertext, size_t length, uint8_t *out, size_t *outLength)
{
	psa_status_t status = psa_asymmetric_decrypt(key->decryptKey, PSA_ALG_RSA_OAEP(PSA_ALG_SHA_256), NONNULL(ciphertext), length,
		NULL, 0, out, SPK_MAX_RSA_BYTES, outLength);
	if (status == PSA_SUCCESS) return SPK_OK;
	if (status == PSA_ERROR_INSUFFICIENT_MEMORY) return SPK_NO_MEMORY;
	return SPK_REJECTED;
}

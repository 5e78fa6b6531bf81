/*
 * The device's crypto primitives on the PSA Crypto API, as plain C (no XS, no mbedTLS types):
 * hosts/moddable/crypto/native.c is the xsmc glue over it. PSA only, so that one source compiles
 * on Debian's mbedTLS 2.28 (the lin build in CI) and on ESP-IDF's mbedTLS 4 / TF-PSA-Crypto,
 * where PSA drivers reach the ESP32's SHA, AES and bignum hardware.
 */
#ifndef SPIMEKIT_PSA_CRYPTO_H
#define SPIMEKIT_PSA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	SPK_OK = 0,
	SPK_BAD_INPUT = 1,   /* caller mistake: a length, an algorithm */
	SPK_BAD_KEY = 2,     /* key material PSA cannot use */
	SPK_REJECTED = 3,    /* attacker-controlled input failed: signature, tag, padding */
	SPK_NO_MEMORY = 4,   /* out of memory or out of PSA key slots */
	SPK_FAILED = 5       /* anything else PSA reported */
} spk_status;

/* 1 = SHA-1, 256 = SHA-256: the interface's two hashes. */
enum { SPK_SHA1 = 1, SPK_SHA256 = 256 };

#define SPK_MAX_HASH 32
#define SPK_MAX_RSA_BYTES 512 /* 4096-bit modulus, the profile's maximum */

/* An RSA key pair held by PSA. PSA gives a key one algorithm policy, so the pair is two
 * volatile keys: one for PKCS#1 v1.5 signing (any hash), one for OAEP-SHA-256 decryption.
 * The private numbers never leave PSA's key store. */
typedef struct {
	uint32_t signKey;
	uint32_t decryptKey;
	uint32_t bits;
} spk_rsa_key;

spk_status spk_init(void);
spk_status spk_random(uint8_t *out, size_t length);
size_t spk_hash_length(int hash); /* 0 for an unknown hash */
spk_status spk_digest(int hash, const uint8_t *data, size_t length, uint8_t *out);
spk_status spk_hmac(int hash, const uint8_t *key, size_t keyLength, const uint8_t *data, size_t length, uint8_t *out);
spk_status spk_pbkdf2(int hash, const uint8_t *password, size_t passwordLength, const uint8_t *salt, size_t saltLength,
	uint32_t iterations, uint8_t *out, size_t length);

/* AES-GCM, 96-bit IV, 128-bit tag; key of 16 or 32 bytes. out: length + 16 bytes (encrypt),
 * length - 16 (decrypt; SPK_REJECTED if the tag does not verify). */
spk_status spk_aes_gcm_encrypt(const uint8_t *key, size_t keyLength, const uint8_t *iv, size_t ivLength,
	const uint8_t *aad, size_t aadLength, const uint8_t *in, size_t length, uint8_t *out);
spk_status spk_aes_gcm_decrypt(const uint8_t *key, size_t keyLength, const uint8_t *iv, size_t ivLength,
	const uint8_t *aad, size_t aadLength, const uint8_t *in, size_t length, uint8_t *out);

/* A key pair from DER: PKCS#1 RSAPrivateKey or PKCS#8 PrivateKeyInfo (rsaEncryption). */
spk_status spk_rsa_import(const uint8_t *der, size_t length, spk_rsa_key *key);
spk_status spk_rsa_generate(uint32_t bits, spk_rsa_key *key);
void spk_rsa_destroy(spk_rsa_key *key);
/* The public half as unsigned big-endian integers (no leading zeros), each buffer SPK_MAX_RSA_BYTES. */
spk_status spk_rsa_public(const spk_rsa_key *key, uint8_t *modulus, size_t *modulusLength, uint8_t *exponent, size_t *exponentLength);

/* RSASSA-PKCS1-v1_5 over data hashed with `hash`; signature: key bytes (bits / 8, rounded up). */
spk_status spk_rsa_sign(const spk_rsa_key *key, int hash, const uint8_t *data, size_t length, uint8_t *signature, size_t *signatureLength);
/* SPK_OK if it verifies, SPK_REJECTED if not, SPK_BAD_KEY if the public key is unusable. */
spk_status spk_rsa_verify(const uint8_t *modulus, size_t modulusLength, const uint8_t *exponent, size_t exponentLength,
	int hash, const uint8_t *data, size_t length, const uint8_t *signature, size_t signatureLength);

/* RSAES-OAEP, SHA-256 and MGF1-SHA-256, empty label. out: SPK_MAX_RSA_BYTES. */
spk_status spk_rsa_oaep_encrypt(const uint8_t *modulus, size_t modulusLength, const uint8_t *exponent, size_t exponentLength,
	const uint8_t *message, size_t length, uint8_t *out, size_t *outLength);
spk_status spk_rsa_oaep_decrypt(const spk_rsa_key *key, const uint8_t *ciphertext, size_t length, uint8_t *out, size_t *outLength);

#endif

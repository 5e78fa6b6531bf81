// The PSA crypto binding (native.c over psa-crypto.c). Bytes are any ArrayBuffer or view; results
// are ArrayBuffers, or the numeric spk_status of psa-crypto.h when an operation fails. Hashes:
// 1 = SHA-1, 256 = SHA-256. Use it through ./crypto (the Crypto interface), not directly.

export function randomBytes(length) @ "xs_spk_random";
export function digest(hash, data) @ "xs_spk_digest";
export function hmac(hash, key, data) @ "xs_spk_hmac";
export function pbkdf2(hash, password, salt, iterations, length) @ "xs_spk_pbkdf2";
export function aesGcmEncrypt(key, iv, plaintext, aad) @ "xs_spk_gcm_encrypt";
export function aesGcmDecrypt(key, iv, ciphertextAndTag, aad) @ "xs_spk_gcm_decrypt";
export function rsaVerify(modulus, exponent, hash, data, signature) @ "xs_spk_rsa_verify";
export function rsaOaepEncrypt(modulus, exponent, message) @ "xs_spk_rsa_oaep_encrypt";

// An RSA key pair inside PSA's key store; the private numbers never come back out.
export class RsaKeyPair @ "xs_spk_rsa_destructor" {
	constructor(derOrBits) @ "xs_spk_rsa_constructor";
	get bits() @ "xs_spk_rsa_get_bits";
	publicPart(which) @ "xs_spk_rsa_public";
	sign(hash, data) @ "xs_spk_rsa_sign";
	oaepDecrypt(ciphertext) @ "xs_spk_rsa_oaep_decrypt";
	close() @ "xs_spk_rsa_close";
}

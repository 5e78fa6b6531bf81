// Namespaces and versions of the OpenSpime v0.9 profile (docs/PROTOCOL.md §2).
export const NS_CORE = 'openspime:protocol:core';
export const NS_CORE_ERROR = 'openspime:protocol:core:error';
export const NS_CLAIMKEY = 'openspime:protocol:core:claimkey';
export const NS_DATA = 'openspime:protocol:extension:data';
export const NS_DATA_ERROR = 'openspime:protocol:extension:data:error';
export const NS_CLAIM = 'openspime:protocol:extension:claim';
/** Sic: the v0.9 examples give SpimeSeek an http: namespace unlike the other extensions. */
export const NS_SPIMESEEK = 'http://openspime.org/protocol/spimeseek';
export const NS_PUBKEY = 'urn:xmpp:tmp:pubkey';
export const NS_XMLDSIG = 'http://www.w3.org/2000/09/xmldsig#';
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const NS_CLIENT = 'jabber:client';

export const VERSION = '0.9';

/** `sign/@alg`: RSASSA-PKCS1-v1_5 with SHA-256 (PROTOCOL.md §3.2). */
export const SIGN_ALG = 'rsa-sha256';
/** `transport/@content-type` of the profile's encrypted transport (PROTOCOL.md §3.3). */
export const CONTENT_TYPE_ENCRYPTED = 'x-openspime/aes128gcm-rsaoaep256-base64';
/** The v0.9 name, whose cipher mode, IV and key wrap were never specified: refused. */
export const CONTENT_TYPE_V09_AES = 'x-openspime/aes-base64';

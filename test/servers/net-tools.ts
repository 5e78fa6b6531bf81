// Network tools for client tests and benchmarks: a delay / round-trip-counting / cutting proxy and
// a scripted hostile peer. One import for both.
export { startDelayProxy, type DelayProxy, type DelayProxyOptions, type ProxyConnection, type Flight, type Direction, type CutRule } from './delay-proxy.js';
export { startRawPeer, hostile, xmpp, type RawPeer, type RawPeerScript, type RawPeerSession, type RawPeerOptions } from './raw-peer.js';
export { startBlackhole, type Blackhole } from './blackhole.js';

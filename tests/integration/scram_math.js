// SPDX-License-Identifier: Apache-2.0
'use strict';
// The client side of SCRAM (RFC 5802 sections 3 and 5; RFC 7677 for SHA-256, the same
// construction with SHA-512), shared by the integration tests' client (scram_client.js) and the
// login benchmark (tests/bench/scram_login_bench.js).

const crypto = require('crypto');

const HASHES = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };

// saslname: "=" -> "=3D" first, then "," -> "=2C".
function escapeUsername(name) {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function hmac(hash, key, text) {
  return crypto.createHmac(hash, key).update(text).digest();
}

function digest(hash, data) {
  return crypto.createHash(hash).update(data).digest();
}

function xor(a, b) {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i += 1) out[i] = a[i] ^ b[i];
  return out;
}

// "k=v,k=v" -> Map; a value may contain "=" (Base64 padding), never ",".
function attributes(message) {
  const map = new Map();
  for (const part of message.split(',')) {
    if (part.length < 2 || part[1] !== '=') return null;
    if (!map.has(part[0])) map.set(part[0], part.slice(2));
  }
  return map;
}

// The server-first's nonce, salt (Base64) and iteration count; throws `ErrorType` for one a
// client must not answer (malformed, a nonce that does not extend ours, unusable salt or count).
function parseServerFirst(serverFirst, clientNonce, ErrorType = Error) {
  const map = attributes(serverFirst);
  if (!map || !map.has('r') || !map.has('s') || !map.has('i')) {
    throw new ErrorType(`malformed server-first ${JSON.stringify(serverFirst)}`);
  }
  const nonce = map.get('r');
  const iterations = Number(map.get('i'));
  if (!nonce.startsWith(clientNonce) || nonce.length <= clientNonce.length) {
    throw new ErrorType('server-first nonce does not extend the client nonce');
  }
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1000000) {
    throw new ErrorType(`server-first iteration count ${map.get('i')} is unusable`);
  }
  if (map.get('s') === '') throw new ErrorType('server-first has an empty salt');
  return { nonce, salt: map.get('s'), iterations };
}

// SaltedPassword (PBKDF2: the slow part) and the keys derived from it.
function deriveKeys(hash, password, saltBase64, iterations) {
  const salted = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'),
    Buffer.from(saltBase64, 'base64'), iterations, digest(hash, '').length, hash);
  const clientKey = hmac(hash, salted, 'Client Key');
  return { clientKey, storedKey: digest(hash, clientKey), serverKey: hmac(hash, salted, 'Server Key') };
}

// client-final-without-proof, the proof, and the server signature to expect, for one exchange.
// gs2Header: "n,," (c=biws) unless the client sent another, e.g. "y,," (c=eSws).
function clientProof(hash, keys, clientFirstBare, serverFirst, nonce, gs2Header = 'n,,') {
  const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  return {
    withoutProof,
    proof: xor(keys.clientKey, hmac(hash, keys.storedKey, authMessage)),
    expectedServerSignature: hmac(hash, keys.serverKey, authMessage),
  };
}

// True only for "v=" + Base64 of the expected server signature (compared in constant time).
function serverFinalMatches(serverFinal, expected) {
  if (!expected || typeof serverFinal !== 'string') return false;
  const map = attributes(serverFinal);
  if (!map || !map.has('v')) return false;
  const presented = Buffer.from(map.get('v'), 'base64');
  return presented.length === expected.length && crypto.timingSafeEqual(presented, expected);
}

module.exports = {
  HASHES, escapeUsername, attributes, parseServerFirst, deriveKeys, clientProof,
  serverFinalMatches,
};

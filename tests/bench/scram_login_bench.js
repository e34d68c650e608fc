#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// scram_login_bench: sequential MQTT 5 logins with MQTT.js, either a SCRAM exchange over
// enhanced authentication or a plain username/password CONNECT, for scripts/bench's
// scram_login_vs_plain_login figure. Both modes use the same client library, the same broker and
// the same loop, so their ratio is the cost of the SCRAM exchange against a (cached) plain login.
//
// One iteration: connect -> (SCRAM: CONNECT with client-first, AUTH 0x18 server-first, AUTH 0x18
// client-final) -> CONNACK -> DISCONNECT and wait for the socket to close. Every login must
// succeed: a refused or missing CONNACK, or (SCRAM) a server-final whose signature does not
// verify, stops the run with an error.
//
// The client's SCRAM SaltedPassword (PBKDF2, 4096 iterations by default) depends only on the
// password, salt and iteration count, which are fixed for a user, so it is computed once per
// (salt, iterations) and reused: otherwise the client's own PBKDF2 would dominate the figure and
// measure the client, not the broker. The first warm-up login fills that cache (SCRAM) and the
// broker's plain-login cache (plain). Likewise the client nonces (random, one per exchange) are
// drawn in one batch before the first login, as connect_bench prepares its credentials.
//
// Usage:
//   node scram_login_bench.js --port P --mode scram|plain [--username U] [--password PW]
//       [--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--count N] [--warmup W]
//       [--time-limit SECONDS] [--wait SECONDS] [--client-id-prefix PREFIX] [--host 127.0.0.1]
//   defaults: --username bench-<mode>, --password secret, --mechanism SCRAM-SHA-256,
//   --count 1000 (timed logins), --warmup 100 (untimed logins first, at least 1),
//   --time-limit 300 (the whole run, warm-up included), --wait 10 (one login),
//   --client-id-prefix bench-<mode>- (client ids PREFIX0, PREFIX1, ...)
//
// Output (stdout, one line):
//   connects_per_s=<float> p50_us=<float> p99_us=<float> n=<N>
// connects_per_s counts whole iterations; p50/p99 are connect-call-to-CONNACK latencies (TCP
// handshake and, for SCRAM, the AUTH round trip included). Exit status 0, 1 on a failed login
// or the time limit, 2 on a usage error. Only loopback hosts are accepted: this is a load
// generator.
'use strict';

const crypto = require('crypto');
const path = require('path');
const { parseArgs } = require('util');

const EXIT_FAIL = 1;
const EXIT_USAGE = 2;
const AUTH_CONTINUE = 0x18;
const NONCE_BYTES = 18;
const scram = require(path.join(__dirname, '..', 'integration', 'scram_math'));
const { HASHES } = scram;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function fail(message, code = EXIT_FAIL) {
  process.stderr.write(`scram_login_bench: ${message}\n`);
  process.exit(code);
}

// The mqtt package the integration tests install (tests/integration/node_modules).
function loadMqtt() {
  const integration = path.resolve(__dirname, '..', 'integration');
  try {
    return require(require.resolve('mqtt', { paths: [integration] }));
  } catch (error) {
    return fail(`cannot load the mqtt package from ${integration}/node_modules ` +
      `(run npm ci there): ${error.message}`);
  }
}

// ------------------------------------------------------------------------------------------
// Command line

function parseCommandLine() {
  let v;
  try {
    v = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string' },
        mode: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string', default: 'secret' },
        mechanism: { type: 'string', default: 'SCRAM-SHA-256' },
        count: { type: 'string', default: '1000' },
        warmup: { type: 'string', default: '100' },
        'time-limit': { type: 'string', default: '300' },
        wait: { type: 'string', default: '10' },
        'client-id-prefix': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail(error.message, EXIT_USAGE);
  }
  const integer = (name, min, max) => {
    const n = Number(v[name]);
    if (!Number.isInteger(n) || n < min || n > max) {
      fail(`--${name} must be an integer from ${min} to ${max}`, EXIT_USAGE);
    }
    return n;
  };
  const seconds = (name) => {
    const n = Number(v[name]);
    if (!Number.isFinite(n) || n <= 0) {
      fail(`--${name} must be a number of seconds > 0`, EXIT_USAGE);
    }
    return n;
  };
  if (v.mode !== 'scram' && v.mode !== 'plain') fail('--mode must be scram or plain', EXIT_USAGE);
  if (!v.port) fail('--port is required', EXIT_USAGE);
  if (!LOOPBACK.has(v.host)) fail('--host must be a loopback address', EXIT_USAGE);
  if (!HASHES[v.mechanism]) fail('--mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512', EXIT_USAGE);
  return {
    host: v.host,
    port: integer('port', 1, 65535),
    mode: v.mode,
    username: v.username ?? `bench-${v.mode}`,
    password: v.password,
    mechanism: v.mechanism,
    hash: HASHES[v.mechanism],
    count: integer('count', 1, 10000000),
    warmup: integer('warmup', 1, 10000000),
    timeLimitMs: seconds('time-limit') * 1000,
    waitMs: seconds('wait') * 1000,
    prefix: v['client-id-prefix'] ?? `bench-${v.mode}-`,
  };
}

// ------------------------------------------------------------------------------------------
// SCRAM (RFC 5802, RFC 7677), client side, with the SaltedPassword-derived keys cached

class ScramClient {
  constructor(hash, username, password) {
    this.hash = hash;
    this.password = password;
    this.saslName = scram.escapeUsername(username);
    this.keys = new Map(); // "salt,iterations" -> {clientKey, storedKey, serverKey}
    this.pbkdf2Runs = 0;
    this.nonces = null;
    this.noncesUsed = 0;
  }

  // Draws the random client nonces of `n` exchanges in one call (a call costs more than 18 bytes).
  prepareNonces(n) {
    this.nonces = crypto.randomBytes(NONCE_BYTES * n);
    this.noncesUsed = 0;
  }

  // Starts one exchange: returns {clientFirst, session}.
  begin() {
    const at = NONCE_BYTES * this.noncesUsed;
    if (!this.nonces || at + NONCE_BYTES > this.nonces.length) throw new Error('out of nonces');
    this.noncesUsed += 1;
    // 18 random bytes -> 24 Base64 characters, no "," and no padding
    const nonce = this.nonces.toString('base64', at, at + NONCE_BYTES);
    const bare = `n=${this.saslName},r=${nonce}`;
    return { clientFirst: `n,,${bare}`, session: { bare, nonce, expected: null } };
  }

  keysFor(saltBase64, iterations) {
    const id = `${saltBase64},${iterations}`;
    if (!this.keys.has(id)) {
      this.keys.set(id, scram.deriveKeys(this.hash, this.password, saltBase64, iterations));
      this.pbkdf2Runs += 1;
    }
    return this.keys.get(id);
  }

  // server-first -> client-final; throws on a server-first a client must not answer.
  clientFinal(session, serverFirst) {
    const { nonce, salt, iterations } = scram.parseServerFirst(serverFirst, session.nonce);
    const exchange = scram.clientProof(this.hash, this.keysFor(salt, iterations), session.bare,
      serverFirst, nonce);
    session.expected = exchange.expectedServerSignature;
    return `${exchange.withoutProof},p=${exchange.proof.toString('base64')}`;
  }

  // True only for "v=" + Base64(HMAC(ServerKey, AuthMessage)) of this exchange.
  verify(session, serverFinal) {
    return scram.serverFinalMatches(serverFinal, session.expected);
  }
}

// ------------------------------------------------------------------------------------------
// One login

// Resolves with the connect-call-to-CONNACK latency in microseconds once the connection is
// closed again; rejects with the reason a login failed.
function login(mqtt, o, scram, clientId) {
  return new Promise((resolve, reject) => {
    const properties = {};
    let session = null;
    if (scram) {
      const started = scram.begin();
      session = started.session;
      properties.authenticationMethod = o.mechanism;
      properties.authenticationData = Buffer.from(started.clientFirst, 'utf8');
    }
    let settled = false;
    let client = null;
    const timer = setTimeout(() => done(new Error(`no CONNACK within ${o.waitMs / 1000} s`)),
      o.waitMs);
    function done(error, latencyUs) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        if (client) client.end(true);
        reject(error);
      } else {
        client.end(false, () => resolve(latencyUs));
      }
    }
    const start = process.hrtime.bigint();
    client = mqtt.connect({
      host: o.host,
      port: o.port,
      protocol: 'mqtt',
      protocolVersion: 5,
      clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: o.waitMs,
      keepalive: 60,
      ...(scram ? {} : { username: o.username, password: o.password }),
      properties,
    });
    if (scram) {
      client.handleAuth = (packet, callback) => {
        if (packet.reasonCode !== AUTH_CONTINUE) {
          callback(new Error(`unexpected AUTH reason ${packet.reasonCode}`));
          return;
        }
        const data = packet.properties?.authenticationData;
        let clientFinal;
        try {
          clientFinal = scram.clientFinal(session, data ? Buffer.from(data).toString('utf8') : '');
        } catch (error) {
          done(error);
          return;
        }
        callback(null, {
          cmd: 'auth',
          reasonCode: AUTH_CONTINUE,
          properties: {
            authenticationMethod: o.mechanism,
            authenticationData: Buffer.from(clientFinal, 'utf8'),
          },
        });
      };
    }
    client.once('connect', (connack) => {
      const latencyUs = Number(process.hrtime.bigint() - start) / 1e3;
      if ((connack.reasonCode ?? 0) !== 0) {
        done(new Error(`CONNACK refused, reason ${connack.reasonCode}`));
        return;
      }
      if (scram) {
        const data = connack.properties?.authenticationData;
        const serverFinal = data ? Buffer.from(data).toString('utf8') : '';
        if (!scram.verify(session, serverFinal)) {
          done(new Error(`CONNACK without a valid server signature (server-final ` +
            `${JSON.stringify(serverFinal)})`));
          return;
        }
      }
      done(null, latencyUs);
    });
    client.on('error', (error) => {
      const reason = typeof error.code === 'number' ? ` (reason ${error.code})` : '';
      done(new Error(`${error.message}${reason}`));
    });
    client.on('close', () => done(new Error('the connection closed before any CONNACK')));
  });
}

// Nearest-rank percentile of a sorted array (as connect_bench).
function percentile(sorted, p) {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

async function main() {
  const o = parseCommandLine();
  const mqtt = loadMqtt();
  const scram = o.mode === 'scram' ? new ScramClient(o.hash, o.username, o.password) : null;
  if (scram) scram.prepareNonces(o.warmup + o.count);
  const deadline = Date.now() + o.timeLimitMs;
  let iteration = 0;
  // The loop checks the deadline between logins; this also ends a login stuck past it (e.g. a
  // socket that never closes after DISCONNECT).
  setTimeout(() => fail(`time limit of ${o.timeLimitMs / 1000} s overrun during login ` +
    `${iteration}`), o.timeLimitMs + o.waitMs).unref();
  const run = async (n, latencies) => {
    for (let i = 0; i < n; i += 1, iteration += 1) {
      if (Date.now() > deadline) {
        fail(`time limit of ${o.timeLimitMs / 1000} s reached after ${iteration} logins`);
      }
      const clientId = `${o.prefix}${iteration}`;
      let latency;
      try {
        latency = await login(mqtt, o, scram, clientId);
      } catch (error) {
        fail(`${o.mode} login ${iteration} as '${o.username}' (client id '${clientId}') to ` +
          `${o.host}:${o.port} failed: ${error.message}`);
      }
      if (latencies) latencies[i] = latency;
    }
  };
  await run(o.warmup, null);
  const latencies = new Float64Array(o.count);
  const start = process.hrtime.bigint();
  await run(o.count, latencies);
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  if (scram && scram.pbkdf2Runs !== 1) {
    fail(`the client ran PBKDF2 ${scram.pbkdf2Runs} times (the server's salt or iteration ` +
      'count changed during the run)');
  }
  latencies.sort();
  const p50 = percentile(latencies, 50).toFixed(1);
  const p99 = percentile(latencies, 99).toFixed(1);
  process.stdout.write(`connects_per_s=${(o.count / elapsedS).toFixed(1)} p50_us=${p50} ` +
    `p99_us=${p99} n=${o.count}\n`, () => process.exit(0));
}

main().catch((error) => fail(error.stack || String(error)));

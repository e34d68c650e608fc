#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677) over MQTT 5 enhanced
// authentication, for mqauth's integration tests. MQTT.js carries the packets
// (client.handleAuth answers the broker's AUTH); the SCRAM arithmetic is Node's crypto, written
// here independently of the plugin.
//
// The exchange: CONNECT (Authentication Method = the mechanism, Authentication Data =
// client-first) -> AUTH 0x18 (server-first) -> AUTH 0x18 (client-final) -> CONNACK whose
// Authentication Data is the server-final "v=...", which this client verifies: a client that
// does not check the server signature proves nothing about the server's keys.
//
// Usage:
//   node scram_client.js --port P --client-id C --username U --password PW
//       [--mechanism SCRAM-SHA-512]        the Authentication Method sent (any string; default
//                                          SCRAM-SHA-512); its hash is used for the arithmetic
//       [--hash sha256|sha512]             the hash, when --mechanism names none (e.g. FOO)
//       [--host 127.0.0.1] [--wait 10]     every wait is bounded by --wait seconds
//       [--local-address 127.0.0.2]        the source address of the connection (any address
//                                          of the loopback net: the broker sees a second client)
//       [--cbind-flag n|y]                 the gs2 channel-binding flag of the client-first
//                                          (default n; y: "supported, but not by the server")
//       [--raw-client-first S]             send S instead of the computed client-first
//       [--raw-client-final S]             send S instead of the computed client-final
//       [--client-final-twice]             send the client-final AUTH twice in a row
//       [--delay-client-final SECONDS]     wait this long before answering server-first
//       [--reauth]                         once connected, re-authenticate (AUTH 0x19) with a
//                                          fresh exchange as --reauth-username/--reauth-password
//                                          (default: the same user and password)
//       [--raw-reauth-client-first S]      the re-authentication's client-first, verbatim
//       [--subscribe TOPIC]...             one SUBSCRIBE (QoS 1) with every TOPIC given
//       [--publish TOPIC --message M]      one QoS 1 publish, waits for its PUBACK
//       [--count N]                        then waits for N messages (on the subscriptions)
//       [--auth-after-connect]             then sends an unsolicited AUTH 0x18 (a protocol error)
//       [--stay-connected SECONDS]         then stays connected that long (SIGTERM ends it early)
//       [--session-expiry SECONDS]         a persistent session: CONNECT with clean start off
//                                          and this Session Expiry Interval, and end with a
//                                          DISCONNECT, so the broker keeps the session offline
//                                          for that long (without it: clean start, and the end
//                                          only closes the socket)
//   node scram_client.js --self-test       checks this client's SCRAM against RFC 7677's example
//                                          and forged server signatures, without a broker
//
// Output: one JSON object per line on stdout: progress events ({"event": "server_first"},
// {"event": "connected"}, {"event": "reauthenticated"}, {"event": "subscribed"},
// {"event": "published"}, {"event": "message"}) and last {"event": "result",
// "connack_reason": N|null, "server_signature_ok": bool|null, "error": text|null, ...} (see
// `result` below for every field).
//
// Exit status:
//   0    connected, server signature verified, and everything asked for done
//   2    usage error
//   3    the server signature (server-final) was missing or wrong, or server-first was bad
//   4    a wait timed out
//   5    the connection ended before any CONNACK
//   6    disconnected by the server after a successful connect
//   7    re-authentication refused (connection ended, or no valid AUTH 0x00)
//   128-255  CONNACK refused the connection: the exit status is its reason code
//            (135 not authorized, 140 bad authentication method, ...)
'use strict';

const crypto = require('crypto');
const { parseArgs } = require('util');
const mqtt = require('mqtt');
const net = require('net');

// MQTT.js opens its TCP connection with net.createConnection({port, host}) and offers no option
// for the source address: give every connection this process opens one.
function bindConnectionsTo(localAddress) {
  const createConnection = net.createConnection;
  net.createConnection = (options, ...rest) =>
    createConnection.call(net, { ...options, localAddress }, ...rest);
}

// Reports the reason code of each DISCONNECT the broker sends, read from the raw bytes. MQTT.js
// (mqtt-packet 9) cannot parse a DISCONNECT of one byte (a reason code and no properties, as
// MQTT 5 allows) when more bytes follow it in the same read: it takes the next packet for the
// properties and fails with "Unknown property" instead of reporting the DISCONNECT. Mosquitto
// 2.1 sends two such packets in a row when it ends a connection over a protocol error.
function tapDisconnects(stream, onDisconnect) {
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      let length = 0;
      let offset = 1;
      let complete = false;
      for (let shift = 0; offset < pending.length && offset <= 4; shift += 7) {
        const byte = pending[offset++];
        length += (byte & 0x7f) * 2 ** shift;
        if (!(byte & 0x80)) {
          complete = true;
          break;
        }
      }
      if (!complete || offset + length > pending.length) return;
      if (pending[0] >> 4 === 14) onDisconnect(length > 0 ? pending[offset] : 0);
      pending = pending.subarray(offset + length);
    }
  });
}

const EXIT = {
  ok: 0, usage: 2, verification: 3, timeout: 4, noConnack: 5, disconnected: 6, reauthRefused: 7,
};
const AUTH_CONTINUE = 0x18;
const AUTH_REAUTHENTICATE = 0x19;
const {
  HASHES, escapeUsername, attributes, parseServerFirst, deriveKeys, clientProof,
  serverFinalMatches,
} = require('./scram_math');

class ScramSession {
  // cbindFlag: the gs2 channel-binding flag, "n" (no support) or "y" (the client supports
  // channel binding but thinks the server does not).
  constructor(hash, username, password, cbindFlag = 'n') {
    this.hash = hash;
    this.username = username;
    this.password = password;
    this.gs2Header = `${cbindFlag},,`;
  }

  clientFirst(raw, nonce) {
    if (raw !== undefined) {
      // Verbatim, for malformed-input tests. The bare part (after the gs2 header "x,authzid,")
      // and its nonce are recovered as far as they can be, so a client-final can still follow.
      this.clientFirstMessage = raw;
      const parts = raw.split(',');
      this.bare = parts.slice(2).join(',');
      const bareAttributes = attributes(this.bare) || new Map();
      this.clientNonce = bareAttributes.get('r') || '';
      return raw;
    }
    this.clientNonce = nonce ?? crypto.randomBytes(18).toString('base64'); // no "," in Base64
    this.bare = `n=${escapeUsername(this.username)},r=${this.clientNonce}`;
    this.clientFirstMessage = `${this.gs2Header}${this.bare}`;
    return this.clientFirstMessage;
  }

  // Returns the client-final message; throws on a server-first a client must not answer.
  clientFinal(serverFirst, raw) {
    this.serverFirst = serverFirst;
    const { nonce, salt, iterations } =
      parseServerFirst(serverFirst, this.clientNonce, VerificationError);
    this.serverFirstAttributes = { r: nonce, s: salt, i: iterations };
    const keys = deriveKeys(this.hash, this.password, salt, iterations);
    const exchange = clientProof(this.hash, keys, this.bare, serverFirst, nonce, this.gs2Header);
    this.expectedServerSignature = exchange.expectedServerSignature;
    if (raw !== undefined) return raw;
    return `${exchange.withoutProof},p=${exchange.proof.toString('base64')}`;
  }

  // True only for "v=" + Base64(HMAC(ServerKey, AuthMessage)).
  verifyServerFinal(serverFinal) {
    return serverFinalMatches(serverFinal, this.expectedServerSignature);
  }
}

class VerificationError extends Error {}

// --self-test: this client's SCRAM arithmetic against RFC 7677's SCRAM-SHA-256 example, and its
// verification against forged server-finals, with no broker involved. Exit 0 when all pass.
function selfTest() {
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
    's=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';
  const session = () => {
    const scram = new ScramSession('sha256', 'user', 'pencil');
    scram.clientFirst(undefined, 'rOprNGfwEbeRWgbNEkqO');
    return scram;
  };
  const rfc = session();
  const clientFinal = rfc.clientFinal(serverFirst);
  const throws = (f) => {
    try {
      f();
      return false;
    } catch (error) {
      return error instanceof VerificationError;
    }
  };
  const checks = {
    rfc7677_client_first: rfc.clientFirstMessage === 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
    rfc7677_client_final: clientFinal === 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)' +
      'hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    rfc7677_server_final_accepted: rfc.verifyServerFinal(serverFinal),
    forged_signature_rejected: !rfc.verifyServerFinal(serverFinal.replace('6rri', '6rrj')),
    truncated_signature_rejected: !rfc.verifyServerFinal(serverFinal.slice(0, -4)),
    server_error_rejected: !rfc.verifyServerFinal('e=other-error'),
    missing_server_final_rejected: !rfc.verifyServerFinal(null) && !rfc.verifyServerFinal(''),
    other_password_rejected: (() => {
      const wrong = new ScramSession('sha256', 'user', 'pencil2');
      wrong.clientFirst(undefined, 'rOprNGfwEbeRWgbNEkqO');
      wrong.clientFinal(serverFirst);
      return !wrong.verifyServerFinal(serverFinal);
    })(),
    foreign_nonce_refused: throws(() => session().clientFinal(serverFirst.replace('rOpr', 'xOpr'))),
    unextended_nonce_refused: throws(() => session().clientFinal(
      'r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')),
    username_escaped: escapeUsername('a,b=c') === 'a=2Cb=3Dc',
  };
  const ok = Object.values(checks).every(Boolean);
  emit({ event: 'self_test', ok, checks });
  process.stdout.write('', () => process.exit(ok ? EXIT.ok : EXIT.verification));
}

// ------------------------------------------------------------------------------------------
// Command line

function usage(message) {
  process.stderr.write(`scram_client.js: ${message}\n`);
  process.exit(EXIT.usage);
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        'local-address': { type: 'string' },
        'cbind-flag': { type: 'string', default: 'n' },
        port: { type: 'string' },
        'client-id': { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string', default: '' },
        mechanism: { type: 'string', default: 'SCRAM-SHA-512' },
        hash: { type: 'string' },
        wait: { type: 'string', default: '10' },
        'raw-client-first': { type: 'string' },
        'raw-client-final': { type: 'string' },
        'client-final-twice': { type: 'boolean', default: false },
        'delay-client-final': { type: 'string', default: '0' },
        reauth: { type: 'boolean', default: false },
        'reauth-username': { type: 'string' },
        'reauth-password': { type: 'string' },
        'raw-reauth-client-first': { type: 'string' },
        subscribe: { type: 'string', multiple: true, default: [] },
        publish: { type: 'string' },
        message: { type: 'string', default: 'm' },
        count: { type: 'string', default: '0' },
        'auth-after-connect': { type: 'boolean', default: false },
        'stay-connected': { type: 'string', default: '0' },
        'session-expiry': { type: 'string' },
        'self-test': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    usage(error.message);
  }
  const number = (name) => {
    const value = Number(parsed[name]);
    if (!Number.isFinite(value) || value < 0) usage(`--${name} must be a number >= 0`);
    return value;
  };
  if (parsed['self-test']) return { selfTest: true };
  if (!parsed.port) usage('--port is required');
  if (!parsed['client-id']) usage('--client-id is required');
  if (parsed.username === undefined && parsed['raw-client-first'] === undefined) {
    usage('--username (or --raw-client-first) is required');
  }
  const hash = parsed.hash || HASHES[parsed.mechanism] || 'sha256';
  if (!['sha256', 'sha512'].includes(hash)) usage('--hash must be sha256 or sha512');
  return {
    host: parsed.host,
    localAddress: parsed['local-address'] || null,
    cbindFlag: parsed['cbind-flag'],
    port: number('port'),
    clientId: parsed['client-id'],
    username: parsed.username ?? '',
    password: parsed.password,
    mechanism: parsed.mechanism,
    hash,
    wait: number('wait') * 1000,
    rawClientFirst: parsed['raw-client-first'],
    rawClientFinal: parsed['raw-client-final'],
    clientFinalTwice: parsed['client-final-twice'],
    delayClientFinal: number('delay-client-final') * 1000,
    reauth: parsed.reauth || parsed['raw-reauth-client-first'] !== undefined,
    reauthUsername: parsed['reauth-username'] ?? parsed.username ?? '',
    reauthPassword: parsed['reauth-password'] ?? parsed.password,
    rawReauthClientFirst: parsed['raw-reauth-client-first'],
    subscribe: parsed.subscribe,
    publish: parsed.publish,
    message: parsed.message,
    count: number('count'),
    authAfterConnect: parsed['auth-after-connect'],
    stayConnected: number('stay-connected') * 1000,
    sessionExpiry: parsed['session-expiry'] === undefined ? null : number('session-expiry'),
  };
}

// ------------------------------------------------------------------------------------------
// The run

const result = {
  event: 'result',
  connack_reason: null, // the CONNACK's reason code; null if none arrived
  client_first: null, // the client-first message sent in CONNECT
  server_first: null, // the broker's AUTH 0x18 data during CONNECT
  server_final: null, // the CONNACK's Authentication Data
  server_signature_ok: null, // the server-final verified (null: never got that far)
  error: null, // what went wrong, as text
  reauth_ok: null, // re-authentication: AUTH 0x00 with a verified server signature
  reauth_server_final: null,
  suback: null, // the SUBACK's reason codes
  puback_reason: null, // the PUBACK's reason code
  messages: [], // [{topic, payload}] received
  disconnect_reason: null, // the reason code of a DISCONNECT the broker sent
  closed_by_server: false, // the connection ended without this client ending it
  received: [], // every packet received: {cmd, reason}
};

function emit(object) {
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

let finished = false;
let client = null;

function finish(code, error) {
  if (finished) return;
  finished = true;
  if (error && !result.error) result.error = error;
  emit(result);
  if (client) client.end(true);
  // Let stdout drain (a pipe is asynchronous), then leave whatever MQTT.js still has pending.
  process.stdout.write('', () => process.exit(code));
}

// A promise for `what`, failing the run with a timeout after --wait.
function bounded(options, what, executor) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(
      new Error(`timed out after ${options.wait / 1000} s waiting for ${what}`),
      { exitCode: EXIT.timeout })), options.wait);
    executor((value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Rejects as soon as the connection is lost, so every later wait ends early on a kick.
let connectionLost = null;

function race(promise) {
  return Promise.race([promise, connectionLost]);
}

async function main() {
  const options = parseCommandLine();
  if (options.selfTest) {
    selfTest();
    return;
  }
  const scram =
    new ScramSession(options.hash, options.username, options.password, options.cbindFlag);
  let reauth = null; // the ScramSession of a re-authentication in progress
  let ending = false; // this client is ending the connection itself
  let connacked = false;

  result.client_first = scram.clientFirst(options.rawClientFirst);
  if (options.localAddress) bindConnectionsTo(options.localAddress);
  client = mqtt.connect({
    host: options.host,
    port: options.port,
    protocol: 'mqtt',
    protocolVersion: 5,
    clientId: options.clientId,
    clean: options.sessionExpiry === null,
    reconnectPeriod: 0, // one connection: a refusal or a kick must not be papered over
    connectTimeout: options.wait,
    keepalive: 60,
    properties: {
      authenticationMethod: options.mechanism,
      authenticationData: Buffer.from(result.client_first, 'utf8'),
      ...(options.sessionExpiry === null ? {} :
        { sessionExpiryInterval: options.sessionExpiry }),
    },
  });

  client.on('packetreceive', (packet) => {
    const reason = packet.reasonCode ?? packet.returnCode ?? null;
    result.received.push({ cmd: packet.cmd, reason });
    // The first DISCONNECT says why: 2.1 sends a second one (0x82) as it closes the connection.
    if (packet.cmd === 'disconnect' && result.disconnect_reason === null) {
      result.disconnect_reason = reason;
    }
  });
  tapDisconnects(client.stream, (reason) => {
    if (result.disconnect_reason === null) result.disconnect_reason = reason;
  });

  // The broker's AUTH packets: server-first (0x18) during CONNECT or a re-authentication, and
  // the re-authentication's AUTH 0x00 carrying its server-final.
  client.handleAuth = (packet, callback) => {
    const data = packet.properties?.authenticationData;
    const text = data ? Buffer.from(data).toString('utf8') : '';
    const session = reauth || scram;
    if (packet.reasonCode === 0) {
      // Only a re-authentication ends in AUTH 0x00 (a CONNECT's exchange ends in CONNACK).
      if (reauth) {
        result.reauth_server_final = text;
        result.reauth_ok = reauth.verifyServerFinal(text);
        reauth.done(result.reauth_ok);
      }
      callback();
      return;
    }
    if (packet.reasonCode !== AUTH_CONTINUE) {
      callback();
      return;
    }
    if (!reauth) {
      result.server_first = text;
      emit({ event: 'server_first', server_first: text });
    }
    let clientFinal;
    try {
      clientFinal = session.clientFinal(text, reauth ? undefined : options.rawClientFinal);
    } catch (error) {
      if (error instanceof VerificationError) {
        finish(EXIT.verification, error.message);
        return;
      }
      throw error;
    }
    const authPacket = {
      cmd: 'auth',
      reasonCode: AUTH_CONTINUE,
      properties: {
        authenticationMethod: options.mechanism,
        authenticationData: Buffer.from(clientFinal, 'utf8'),
      },
    };
    const answer = () => {
      if (options.clientFinalTwice && !reauth) client._sendPacket({ ...authPacket });
      callback(null, authPacket);
    };
    if (options.delayClientFinal > 0 && !reauth) setTimeout(answer, options.delayClientFinal);
    else answer();
  };

  connectionLost = new Promise((resolve, reject) => {
    client.on('close', () => {
      if (!ending) result.closed_by_server = true;
      reject(Object.assign(new Error(
        result.disconnect_reason !== null
          ? `disconnected by the server (DISCONNECT reason ${result.disconnect_reason})`
          : 'the server closed the connection'),
      { exitCode: connacked ? EXIT.disconnected : EXIT.noConnack }));
    });
  });
  connectionLost.catch(() => {}); // observed through race()

  // ---- CONNECT .. CONNACK
  const connack = await bounded(options, 'CONNACK', (resolve, reject) => {
    client.once('connect', resolve);
    client.on('error', (error) => {
      // A refused CONNACK: MQTT.js emits an ErrorWithReasonCode whose .code is the reason code.
      if (!connacked && typeof error.code === 'number' && error.code >= 0x80 &&
          result.received.some((p) => p.cmd === 'connack')) {
        result.connack_reason = error.code;
        reject(Object.assign(new Error(error.message), { exitCode: error.code }));
        return;
      }
      if (!result.error) result.error = error.message;
    });
    connectionLost.catch(reject);
  });
  connacked = true;
  result.connack_reason = connack.reasonCode;
  const finalData = connack.properties?.authenticationData;
  result.server_final = finalData ? Buffer.from(finalData).toString('utf8') : null;
  result.server_signature_ok = scram.verifyServerFinal(result.server_final);
  if (!result.server_signature_ok) {
    finish(EXIT.verification, 'the CONNACK carried no valid server signature');
    return;
  }
  emit({ event: 'connected', server_final: result.server_final });

  // ---- re-authentication (AUTH 0x19)
  if (options.reauth) {
    reauth = new ScramSession(options.hash, options.reauthUsername, options.reauthPassword);
    const firstMessage = reauth.clientFirst(options.rawReauthClientFirst);
    try {
      await race(bounded(options, 'the re-authentication AUTH 0x00', (resolve) => {
        reauth.done = resolve;
        client._sendPacket({
          cmd: 'auth',
          reasonCode: AUTH_REAUTHENTICATE,
          properties: {
            authenticationMethod: options.mechanism,
            authenticationData: Buffer.from(firstMessage, 'utf8'),
          },
        });
      }));
    } catch (error) {
      result.reauth_ok = false;
      finish(error.exitCode === EXIT.timeout ? EXIT.timeout : EXIT.reauthRefused,
        `re-authentication failed: ${error.message}`);
      return;
    }
    if (!result.reauth_ok) {
      finish(EXIT.reauthRefused, 'the re-authentication\'s server signature did not verify');
      return;
    }
    reauth = null;
    emit({ event: 'reauthenticated', server_final: result.reauth_server_final });
  }

  // ---- SUBSCRIBE, PUBLISH, messages
  client.on('message', (topic, payload) => {
    const message = { topic, payload: payload.toString('utf8') };
    result.messages.push(message);
    emit({ event: 'message', ...message });
  });
  if (options.subscribe.length > 0) {
    await race(bounded(options, 'SUBACK', (resolve) => {
      client.on('packetreceive', (packet) => {
        if (packet.cmd === 'suback') {
          result.suback = packet.granted;
          resolve();
        }
      });
      client.subscribe(options.subscribe, { qos: 1 }, () => {});
    }));
    emit({ event: 'subscribed', suback: result.suback });
  }
  if (options.publish !== undefined) {
    await race(bounded(options, 'PUBACK', (resolve) => {
      client.on('packetreceive', (packet) => {
        if (packet.cmd === 'puback') {
          result.puback_reason = packet.reasonCode ?? 0;
          resolve();
        }
      });
      client.publish(options.publish, options.message, { qos: 1 }, () => {});
    }));
    emit({ event: 'published', puback_reason: result.puback_reason });
  }
  if (options.count > 0) {
    await race(bounded(options, `${options.count} message(s)`, (resolve) => {
      const check = () => { if (result.messages.length >= options.count) resolve(); };
      client.on('message', check);
      check();
    }));
  }

  // ---- an AUTH the broker did not ask for
  if (options.authAfterConnect) {
    client._sendPacket({
      cmd: 'auth',
      reasonCode: AUTH_CONTINUE,
      properties: {
        authenticationMethod: options.mechanism,
        authenticationData: Buffer.from('c=biws,r=unsolicited,p=AAAA', 'utf8'),
      },
    });
    // The broker is expected to drop the connection (race() then throws, ending the run with
    // exit status 6); still connected after --wait is a timeout.
    await race(sleep(options.wait));
    finish(EXIT.timeout, 'the broker kept the connection after an unsolicited AUTH');
    return;
  }

  // ---- stay connected
  if (options.stayConnected > 0) {
    await race(sleep(options.stayConnected));
  }
  ending = true;
  if (options.sessionExpiry !== null) {
    // ---- a normal DISCONNECT (finish() only drops the socket): the session goes offline
    await bounded(options, 'the DISCONNECT to be sent',
      (resolve) => client.end(false, {}, resolve));
  }
  finish(EXIT.ok, null);
}

process.on('SIGTERM', () => finish(result.closed_by_server ? EXIT.disconnected : EXIT.ok,
  null));

main().catch((error) => {
  finish(error.exitCode ?? EXIT.usage, error.message);
});

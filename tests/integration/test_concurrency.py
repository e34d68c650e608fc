# SPDX-License-Identifier: Apache-2.0
"""Many clients at once (issue 9) against a real Mosquitto with the built plugin: a mix of valid
ORIGIN, SIGNED and CLIENT identities, wrong passwords, unknown users, missing passwords and SCRAM
logins (scram_client.js), all released together; every decision is checked on its own (admitted,
or refused with the right reason logged once), and the broker stays up. Then the same while a
SIGHUP reload lands in the middle of the wave, valid and invalid, and a burst of raw CONNECTs
written on many sockets before any answer is read.

Every client is judged on credentials that mean the same before and after the reload, so the
checks hold whatever the order in which the broker meets the clients and the signal.
"""

import re
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional

from mqauth_harness import (
    CLIENT_TIMEOUT,
    CONNACK_NOT_AUTHORIZED,
    MQTT_CONNACK,
    RC_NOT_AUTHORISED,
    SCRAM_OK,
    BrokerTestCase,
    RawMqttConnection,
    client_identity,
    mqtt_connect,
    mqtt_disconnect,
    pub,
    sasl_auth_yaml,
    sasl_hash,
    sasl_user,
    scram,
    signed_password,
    unique_client_id,
    user_identity,
    wait_for,
)

SHA256, SHA512 = "SCRAM-SHA-256", "SCRAM-SHA-512"
ORIGIN_USERS = [(f"conc-origin-{i}", f"conc-origin-secret-{i}-4a7e") for i in range(10)]
SIGNED_USERS = [(f"conc-signed-{i}", f"conc-signed-secret-{i}-91bc") for i in range(10)]
CLIENT_USERS = [(f"conc-client-{i}", f"GID_conc@@@bound-{i}", f"conc-client-secret-{i}-d20f")
                for i in range(8)]
SCRAM_USERS = {SHA256: ("conc-scram", "conc-scram-pw-63e1"),
               SHA512: ("conc-scram512", "conc-scram512-pw-0b5d")}
LEAVER = ("conc-leaver", "conc-leaver-secret-7f30")      # in the first policy only
NEWCOMER = ("conc-newcomer", "conc-newcomer-secret-28c4")  # in the second policy only
FILLER_IDENTITIES = 20_000  # make the second policy's load take a while

_credentials = {}


def scram_credentials(mechanism):
    if mechanism not in _credentials:
        _credentials[mechanism] = sasl_hash(SCRAM_USERS[mechanism][1], mechanism)
    return _credentials[mechanism]


def policy(*, leaver=True, newcomer=False, filler=0):
    identities = ([user_identity(name, secret) for name, secret in ORIGIN_USERS]
                  + [user_identity(name, secret, sign_mode="SIGNED")
                     for name, secret in SIGNED_USERS]
                  + [client_identity(name, client_id, secret, sign_mode="SIGNED")
                     for name, client_id, secret in CLIENT_USERS])
    if leaver:
        identities.append(user_identity(*LEAVER))
    if newcomer:
        identities.append(user_identity(*NEWCOMER))
    identities += [user_identity(f"conc-filler-{i:05d}", f"conc-filler-secret-{i:05d}")
                   for i in range(filler)]
    users = [sasl_user(name, type="scram", mechanism=mechanism,
                       credentials=scram_credentials(mechanism))
             for mechanism, (name, _) in SCRAM_USERS.items()]
    return sasl_auth_yaml(identities, users)


# ---------------------------------------------------------------------------------------------
# One client of a wave

@dataclass
class Attempt:
    """One client: how it connects, with what, and the decision it must get (reason None:
    admitted)."""

    how: str  # "pub" (mosquitto_pub 3.1.1), "pub5" (mosquitto_pub MQTT 5), "scram", "raw"
    client_id: str
    username: Optional[str]
    password: Optional[str]
    reason: Optional[str]
    mechanism: str = SHA256
    outcome: dict = field(default_factory=dict)

    def run(self, broker):
        if self.how in ("pub", "pub5"):
            extra = ["-V", "mqttv5"] if self.how == "pub5" else []
            rc, stderr = pub(broker, client_id=self.client_id, username=self.username,
                             password=self.password, extra=extra)
            self.outcome = {"code": rc, "detail": stderr}
        elif self.how == "scram":
            result = scram(broker, client_id=self.client_id, username=self.username,
                           password=self.password, mechanism=self.mechanism)
            self.outcome = {"code": result.exit_code, "detail": result.describe(),
                            "signature_ok": result["server_signature_ok"]}
        else:
            raise ValueError(self.how)

    def admitted(self):
        if self.how == "scram":
            return self.outcome["code"] == SCRAM_OK and self.outcome["signature_ok"]
        return self.outcome["code"] == 0

    def refused_code(self):
        """The exit status a refusal gives this kind of client."""
        return CONNACK_NOT_AUTHORIZED if self.how in ("scram", "pub5") else RC_NOT_AUTHORISED


def wave(tag):
    """About sixty clients: every kind of valid login and every kind of refusal, with client
    ids unique to this wave; all of them judged alike by both policies."""
    attempts = []

    def add(how, username, password, reason, prefix, client_id=None, **options):
        attempts.append(Attempt(how, client_id or unique_client_id(f"{tag}-{prefix}"),
                                username, password, reason, **options))

    for i, (name, secret) in enumerate(ORIGIN_USERS):
        add("pub", name, secret, None, "origin")
        if i < 5:
            add("pub5", name, secret, None, "origin5")
    for name, secret in SIGNED_USERS:
        client_id = unique_client_id(f"GID_{tag}@@@signed")
        add("pub", name, signed_password(secret, client_id), None, "signed", client_id)
    for name, bound_id, secret in CLIENT_USERS[:6]:
        add("pub", name, signed_password(secret, bound_id), None, "client", bound_id)
    for i, (name, secret) in enumerate(ORIGIN_USERS[:6]):
        add("pub", name, secret + "-wrong", "bad_password", "wrong")
    for name, secret in SIGNED_USERS[:4]:
        # The signature of another client id: a replayed password.
        add("pub", name, signed_password(secret, unique_client_id("other")), "bad_password",
            "replayed")
    for i in range(8):
        add("pub", f"conc-nobody-{i}", "whatever-password", "unknown_username", "unknown")
    for name, _ in ORIGIN_USERS[:3]:
        add("pub", name, None, "missing_password", "nopass")
    for name, bound_id, secret in CLIENT_USERS[6:]:
        add("pub", name, signed_password(secret, bound_id), "client_id_not_bound", "unbound")
    for mechanism, (name, password) in SCRAM_USERS.items():
        for _ in range(2):
            add("scram", name, password, None, "scram", mechanism=mechanism)
        add("scram", name, password + "-wrong", "bad_password", "scram-wrong",
            mechanism=mechanism)
    return attempts


def launch(broker, attempts):
    """Starts every attempt on its own thread, all released at once by a barrier; returns the
    executor's futures."""
    barrier = threading.Barrier(len(attempts))

    def run(attempt):
        barrier.wait(timeout=CLIENT_TIMEOUT)
        attempt.run(broker)

    executor = ThreadPoolExecutor(max_workers=len(attempts))
    futures = [executor.submit(run, attempt) for attempt in attempts]
    executor.shutdown(wait=False)
    return futures


def finish(futures):
    for future in futures:
        future.result(timeout=6 * CLIENT_TIMEOUT)


class ConcurrencyTestCase(BrokerTestCase):

    def assertDecisions(self, broker, attempts):
        """Each attempt got its own right decision; each refusal is logged once with its
        reason; no admitted client has a refusal line."""
        wrong = []
        for attempt in attempts:
            refusal = rf"mqauth: refused client_id={re.escape(attempt.client_id)}(?![\w-])"
            if attempt.reason is None:
                if not attempt.admitted() or broker.log_lines_matching(refusal):
                    wrong.append(f"{attempt.client_id} ({attempt.how}, {attempt.username}) "
                                 f"should be admitted: {attempt.outcome}")
                continue
            if attempt.outcome["code"] != attempt.refused_code():
                wrong.append(f"{attempt.client_id} ({attempt.how}, {attempt.username}) should "
                             f"be refused ({attempt.refused_code()}): {attempt.outcome}")
                continue
            line = broker.wait_for_log_line(refusal)
            lines = broker.log_lines_matching(refusal)
            if line is None or len(lines) != 1 or f"reason={attempt.reason}" not in line \
                    or "address=127.0.0.1" not in line:
                wrong.append(f"{attempt.client_id} should be refused once as {attempt.reason}, "
                             f"logged: {lines}")
        self.assertEqual(wrong, [], "\n" + broker.describe())
        self.assertTrue(broker.running(), broker.describe())

    def assertStillServes(self, broker):
        name, secret = ORIGIN_USERS[0]
        self.assertConnects(broker, client_id=unique_client_id("conc-after"), username=name,
                            password=secret)


class SimultaneousConnectsTest(ConcurrencyTestCase):

    def test_sixty_mixed_clients_at_once_each_get_their_own_decision(self):
        broker = self.start_broker(policy())
        attempts = wave("w1")
        self.assertGreaterEqual(len(attempts), 60)
        finish(launch(broker, attempts))
        self.assertDecisions(broker, attempts)
        self.assertStillServes(broker)

    def test_burst_of_raw_connects_written_before_any_answer_is_read(self):
        # 200 sockets, each CONNECT written before the first CONNACK is read, so the broker
        # meets them in as few loop turns as it can; a third carry a wrong password.
        broker = self.start_broker(policy())
        connections = []
        for n in range(200):
            name, secret = ORIGIN_USERS[n % len(ORIGIN_USERS)]
            signed_name, signed_secret = SIGNED_USERS[n % len(SIGNED_USERS)]
            client_id = unique_client_id("raw-burst")
            if n % 3 == 0:
                username, password, admitted = name, secret + "-wrong", False
            elif n % 3 == 1:
                username, password, admitted = name, secret, True
            else:
                username, password = signed_name, signed_password(signed_secret, client_id)
                admitted = True
            connection = RawMqttConnection(broker)
            self.addCleanup(connection.close)
            connections.append((connection, client_id, admitted, mqtt_connect(
                client_id.encode(), username=username.encode(), password=password.encode())))
        for connection, _, _, packet in connections:
            connection.send(packet)
        wrong = []
        for connection, client_id, admitted, _ in connections:
            answer = connection.read_packet()
            code = answer[1][1] if answer and answer[0] == MQTT_CONNACK else None
            if code != (0 if admitted else RC_NOT_AUTHORISED):
                wrong.append(f"{client_id}: CONNACK {code}, expected "
                             f"{'0' if admitted else RC_NOT_AUTHORISED}")
            elif not admitted:
                lines = broker.log_lines_matching(
                    rf"mqauth: refused client_id={re.escape(client_id)}(?![\w-]).*reason=bad_password")
                if len(lines) != 1:
                    wrong.append(f"{client_id}: refusal lines {lines}")
            connection.send(mqtt_disconnect())
        self.assertEqual(wrong, [], broker.describe())
        self.assertStillServes(broker)


class ReloadDuringConnectsTest(ConcurrencyTestCase):
    """Half a wave is released, the reload signalled once some of it is done, the other half
    released at once: clients meet the old policy, the reload, and the new policy."""

    def wave_across_reload(self, broker, new_policy_text):
        attempts = wave("r")
        first, second = attempts[::2], attempts[1::2]
        first_futures = launch(broker, first)
        self.assertTrue(wait_for(lambda: sum(f.done() for f in first_futures) >= 10,
                                 6 * CLIENT_TIMEOUT), "the first half does not finish")
        broker.write_config(new_policy_text)
        second_futures = launch(broker, second)
        applied = broker.reload(timeout=6 * CLIENT_TIMEOUT)
        finish(first_futures + second_futures)
        self.assertDecisions(broker, attempts)
        return applied

    def test_decisions_stay_right_while_a_new_policy_is_applied(self):
        broker = self.start_broker(policy())
        leaver = self.start_live_client(broker, client_id=unique_client_id("conc-leaver-live"),
                                        username=LEAVER[0], password=LEAVER[1])
        name, secret = ORIGIN_USERS[1]
        kept = self.start_live_client(broker, client_id=unique_client_id("conc-kept-live"),
                                      username=name, password=secret)

        applied = self.wave_across_reload(
            broker, policy(leaver=False, newcomer=True, filler=FILLER_IDENTITIES))
        self.assertTrue(applied, "the new policy should be applied\n" + broker.describe())
        self.assertTrue(leaver.wait_disconnected(), leaver.describe())
        self.assertTrue(kept.stays_connected(), kept.describe())
        self.assertConnects(broker, client_id=unique_client_id("conc-new"),
                            username=NEWCOMER[0], password=NEWCOMER[1])
        self.assertRefused(broker, reason="unknown_username",
                           client_id=unique_client_id("conc-left"), username=LEAVER[0],
                           password=LEAVER[1])
        self.assertStillServes(broker)

    def test_decisions_stay_right_while_a_broken_policy_is_rejected(self):
        broker = self.start_broker(policy())
        broken = policy(leaver=False, newcomer=True, filler=FILLER_IDENTITIES).replace(
            "sign_mode: \"SIGNED\"", "sign_mode: \"signed\"", 1)
        applied = self.wave_across_reload(broker, broken)
        self.assertFalse(applied, "the broken policy should be rejected\n" + broker.describe())
        self.assertConnects(broker, client_id=unique_client_id("conc-stays"),
                            username=LEAVER[0], password=LEAVER[1])
        self.assertRefused(broker, reason="unknown_username",
                           client_id=unique_client_id("conc-not-yet"), username=NEWCOMER[0],
                           password=NEWCOMER[1])
        self.assertStillServes(broker)


if __name__ == "__main__":
    unittest.main()

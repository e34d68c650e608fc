// SPDX-License-Identifier: Apache-2.0
/*
 * allow_all_plugin: a Mosquitto plugin that answers every ACL check "allow"
 * and does nothing else. scripts/bench loads it as a control: the gap between
 * a broker with this plugin and one without any is what Mosquitto itself
 * spends per message on having an ACL plugin at all (mosquitto_acl_check
 * walking its callbacks, the call into a shared object, twice per message),
 * the floor under any ACL plugin's publish figure.
 */
#include <stddef.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

static mosquitto_plugin_id_t* plugin_id;

static int allow(int event, void* event_data, void* userdata) {
    (void)event;
    (void)event_data;
    (void)userdata;
    return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_version(int supported_version_count, const int* supported_versions) {
    (void)supported_version_count;
    (void)supported_versions;
    return 5;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                          struct mosquitto_opt* options, int option_count) {
    (void)userdata;
    (void)options;
    (void)option_count;
    plugin_id = identifier;
    return mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, allow, NULL, NULL);
}

int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt* options, int option_count) {
    (void)userdata;
    (void)options;
    (void)option_count;
    return mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, allow, NULL);
}

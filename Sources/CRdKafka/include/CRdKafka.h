/*
 * The part of librdkafka's C API (rdkafka.h, ABI soname librdkafka.so.1) that composite-service uses, declared here
 * instead of included: the library is loaded at run time with dlopen (see docs/kafka.md), so the build needs neither
 * librdkafka-dev nor the library itself. Only documented, ABI-stable declarations appear: opaque handles, the public
 * structs rd_kafka_message_t, rd_kafka_topic_partition_t(_list_t) and rd_kafka_vu_t, the enum values used, and one
 * function-pointer type per function, which Swift fills from dlsym.
 */
#ifndef CRDKAFKA_H
#define CRDKAFKA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;
typedef struct rd_kafka_headers_s rd_kafka_headers_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;

/* rd_kafka_resp_err_t: 0 is success, negative values are local errors, positive ones broker errors. */
typedef int rd_kafka_resp_err_t;
enum {
    CRK_RESP_ERR_NO_ERROR = 0,
    CRK_RESP_ERR__ASSIGN_PARTITIONS = -175,
    CRK_RESP_ERR__REVOKE_PARTITIONS = -174,
    CRK_RESP_ERR__PARTITION_EOF = -191,
    CRK_RESP_ERR__TIMED_OUT = -185,
};

/* rd_kafka_type_t */
enum { CRK_PRODUCER = 0, CRK_CONSUMER = 1 };
/* rd_kafka_conf_res_t: RD_KAFKA_CONF_OK */
enum { CRK_CONF_OK = 0 };
/* RD_KAFKA_PARTITION_UA, RD_KAFKA_OFFSET_INVALID */
enum { CRK_PARTITION_UA = -1 };
#define CRK_OFFSET_INVALID (-1001)
/* RD_KAFKA_MSG_F_COPY */
enum { CRK_MSG_F_COPY = 0x2 };

/* rd_kafka_vtype_t, for rd_kafka_produceva */
enum {
    CRK_VTYPE_END = 0,
    CRK_VTYPE_TOPIC = 1,
    CRK_VTYPE_PARTITION = 3,
    CRK_VTYPE_VALUE = 4,
    CRK_VTYPE_KEY = 5,
    CRK_VTYPE_OPAQUE = 6,
    CRK_VTYPE_MSGFLAGS = 7,
    CRK_VTYPE_TIMESTAMP = 8,
    CRK_VTYPE_HEADER = 9,
};

typedef struct rd_kafka_message_s {
    rd_kafka_resp_err_t err;
    rd_kafka_topic_t *rkt;
    int32_t partition;
    void *payload;
    size_t len;
    void *key;
    size_t key_len;
    int64_t offset;
    void *_private;
} rd_kafka_message_t;

typedef struct rd_kafka_topic_partition_s {
    char *topic;
    int32_t partition;
    int64_t offset;
    void *metadata; /* freed by librdkafka with free() when the list is destroyed */
    size_t metadata_size;
    void *opaque;
    rd_kafka_resp_err_t err;
    void *_private;
} rd_kafka_topic_partition_t;

typedef struct rd_kafka_topic_partition_list_s {
    int cnt;
    int size;
    rd_kafka_topic_partition_t *elems;
} rd_kafka_topic_partition_list_t;

typedef struct rd_kafka_vu_s {
    int vtype;
    union {
        const char *cstr;
        rd_kafka_topic_t *rkt;
        int i;
        int32_t i32;
        int64_t i64;
        struct {
            void *ptr;
            size_t size;
        } mem;
        struct {
            const char *name;
            const void *val;
            ssize_t size;
        } header;
        rd_kafka_headers_t *headers;
        void *ptr;
        char _pad[64];
    } u;
} rd_kafka_vu_t;

typedef void (*crk_dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque);
typedef void (*crk_rebalance_cb)(
    rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions, void *opaque);

/* One pointer type per function, named after it. */
typedef int (*crk_version_fn)(void);
typedef const char *(*crk_version_str_fn)(void);
typedef const char *(*crk_err2str_fn)(rd_kafka_resp_err_t err);
typedef rd_kafka_conf_t *(*crk_conf_new_fn)(void);
typedef void (*crk_conf_destroy_fn)(rd_kafka_conf_t *conf);
typedef int (*crk_conf_set_fn)(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr, size_t size);
typedef void (*crk_conf_set_opaque_fn)(rd_kafka_conf_t *conf, void *opaque);
typedef void (*crk_conf_set_dr_msg_cb_fn)(rd_kafka_conf_t *conf, crk_dr_msg_cb callback);
typedef void (*crk_conf_set_rebalance_cb_fn)(rd_kafka_conf_t *conf, crk_rebalance_cb callback);
typedef rd_kafka_t *(*crk_new_fn)(int type, rd_kafka_conf_t *conf, char *errstr, size_t size);
typedef void (*crk_destroy_fn)(rd_kafka_t *rk);
typedef int (*crk_poll_fn)(rd_kafka_t *rk, int timeout_ms);
typedef rd_kafka_resp_err_t (*crk_flush_fn)(rd_kafka_t *rk, int timeout_ms);
typedef rd_kafka_error_t *(*crk_produceva_fn)(rd_kafka_t *rk, const rd_kafka_vu_t *vus, size_t count);
typedef rd_kafka_resp_err_t (*crk_error_code_fn)(const rd_kafka_error_t *error);
typedef const char *(*crk_error_string_fn)(const rd_kafka_error_t *error);
typedef void (*crk_error_destroy_fn)(rd_kafka_error_t *error);
typedef rd_kafka_resp_err_t (*crk_poll_set_consumer_fn)(rd_kafka_t *rk);
typedef rd_kafka_resp_err_t (*crk_subscribe_fn)(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *topics);
typedef rd_kafka_message_t *(*crk_consumer_poll_fn)(rd_kafka_t *rk, int timeout_ms);
typedef rd_kafka_resp_err_t (*crk_consumer_close_fn)(rd_kafka_t *rk);
typedef void (*crk_message_destroy_fn)(rd_kafka_message_t *message);
typedef int64_t (*crk_message_timestamp_fn)(const rd_kafka_message_t *message, int *type);
typedef rd_kafka_resp_err_t (*crk_message_headers_fn)(const rd_kafka_message_t *message, rd_kafka_headers_t **headers);
typedef rd_kafka_resp_err_t (*crk_header_get_all_fn)(
    const rd_kafka_headers_t *headers, size_t index, const char **name, const void **value, size_t *size);
typedef const char *(*crk_topic_name_fn)(const rd_kafka_topic_t *topic);
typedef rd_kafka_topic_partition_list_t *(*crk_topic_partition_list_new_fn)(int size);
typedef void (*crk_topic_partition_list_destroy_fn)(rd_kafka_topic_partition_list_t *list);
typedef rd_kafka_topic_partition_t *(*crk_topic_partition_list_add_fn)(
    rd_kafka_topic_partition_list_t *list, const char *topic, int32_t partition);
typedef rd_kafka_resp_err_t (*crk_assign_fn)(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions);
typedef rd_kafka_resp_err_t (*crk_committed_fn)(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions, int timeout_ms);
typedef rd_kafka_resp_err_t (*crk_commit_fn)(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets, int async);
typedef rd_kafka_resp_err_t (*crk_query_watermark_offsets_fn)(
    rd_kafka_t *rk, const char *topic, int32_t partition, int64_t *low, int64_t *high, int timeout_ms);

#endif

/*
 * rdkafka-mock-cluster: runs librdkafka's mock Kafka cluster as a separate
 * process that tests drive over stdin/stdout.
 *
 *   rdkafka-mock-cluster [BROKERS] [--debug=CONTEXTS]
 *
 * The first line on stdout is the cluster's bootstrap servers. After that the
 * process reads one command per line on stdin and answers every command with
 * exactly one line: "ok" (optionally followed by a result) or "error <reason>".
 * Commands are executed in the order received, so a driver may pipeline them
 * and match answers first-in first-out. End of input destroys the cluster and
 * exits 0, so a test runner that dies never leaves a cluster behind.
 *
 * librdkafka's own diagnostics go to stderr; stdout carries only the protocol.
 * The command set is documented in DEVELOPERS.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOKENS 1024
/* Larger than any API key Kafka defines today; keys beyond it are rejected. */
#define API_KEY_LIMIT 128
#define API_VERSIONS_KEY 18

struct api_range {
        int16_t min;
        int16_t max;
};

struct harness {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *cluster;
        int broker_count;
        /* What the mock implements, learnt from its own ApiVersions answer at
         * start-up; "api-version" may only narrow these ranges. */
        struct api_range implemented[API_KEY_LIMIT];
        /* What the mock currently advertises (implemented, minus changes). */
        struct api_range advertised[API_KEY_LIMIT];
};

static void reply_ok(const char *fmt, ...) {
        fputs("ok", stdout);
        if (fmt) {
                va_list ap;
                fputc(' ', stdout);
                va_start(ap, fmt);
                vfprintf(stdout, fmt, ap);
                va_end(ap);
        }
        fputc('\n', stdout);
        fflush(stdout);
}

static void reply_error(const char *fmt, ...) {
        va_list ap;
        fputs("error ", stdout);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

static void reply_result(rd_kafka_resp_err_t err) {
        if (err)
                reply_error("%s: %s", rd_kafka_err2name(err),
                            rd_kafka_err2str(err));
        else
                reply_ok(NULL);
}

/* Parses a whole token as a base-10 integer within [min, max]. */
static int parse_int(const char *text, long min, long max, long *out) {
        char *end;
        long value;

        errno = 0;
        value = strtol(text, &end, 10);
        if (errno || end == text || *end != '\0' || value < min || value > max)
                return -1;
        *out  = value;
        return 0;
}

static void log_to_stderr(const rd_kafka_t *rk, int level, const char *fac,
                          const char *buf) {
        (void)rk;
        fprintf(stderr, "rdkafka-mock %d %s: %s\n", level, fac, buf);
}

static int write_all(int fd, const unsigned char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n <= 0)
                        return -1;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static int read_all(int fd, unsigned char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = read(fd, buf, len);
                if (n <= 0)
                        return -1;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static int16_t be16(const unsigned char *p) {
        return (int16_t)(((uint16_t)p[0] << 8) | p[1]);
}

static int32_t be32(const unsigned char *p) {
        return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
                         ((uint32_t)p[2] << 8) | p[3]);
}

/*
 * The mock's table of implemented versions is internal to librdkafka, so ask
 * the first broker with an ApiVersions v0 request over a plain socket. This
 * keeps the harness correct for whichever librdkafka it is linked against.
 */
static int probe_api_versions(struct harness *h) {
        const char *bootstraps = rd_kafka_mock_cluster_bootstraps(h->cluster);
        const char *colon      = strchr(bootstraps, ':');
        static const unsigned char request[] = {
            0, 0, 0, 15,          /* size of what follows */
            0, API_VERSIONS_KEY,  /* api key */
            0, 0,                 /* api version 0 */
            0, 0, 0, 1,           /* correlation id */
            0, 5, 'p', 'r', 'o', 'b', 'e' /* client id */
        };
        unsigned char size_buf[4];
        unsigned char *response = NULL;
        struct sockaddr_in addr;
        struct timeval timeout = {5, 0};
        int32_t size, count, i;
        long port;
        char port_text[16];
        size_t port_len;
        int fd, rc = -1;

        if (!colon)
                return -1;
        port_len = strcspn(colon + 1, ",");
        if (port_len == 0 || port_len >= sizeof(port_text))
                return -1;
        memcpy(port_text, colon + 1, port_len);
        port_text[port_len] = '\0';
        if (parse_int(port_text, 1, 65535, &port))
                return -1;

        memset(&addr, 0, sizeof(addr));
        addr.sin_family      = AF_INET;
        addr.sin_port        = htons((uint16_t)port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));

        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
            write_all(fd, request, sizeof(request)) ||
            read_all(fd, size_buf, 4))
                goto done;
        size = be32(size_buf);
        /* correlation id (4) + error code (2) + array count (4) at least */
        if (size < 10 || size > 1 << 20)
                goto done;
        response = malloc((size_t)size);
        if (!response || read_all(fd, response, (size_t)size))
                goto done;
        if (be32(response) != 1 || be16(response + 4) != 0)
                goto done;
        count = be32(response + 6);
        if (count < 0 || (int64_t)count * 6 > size - 10)
                goto done;
        for (i = 0; i < count; i++) {
                const unsigned char *entry = response + 10 + i * 6;
                int16_t key                = be16(entry);
                if (key < 0 || key >= API_KEY_LIMIT)
                        continue;
                h->implemented[key].min = be16(entry + 2);
                h->implemented[key].max = be16(entry + 4);
        }
        memcpy(h->advertised, h->implemented, sizeof(h->advertised));
        rc = 0;
done:
        free(response);
        close(fd);
        return rc;
}

static void cmd_broker_updown(struct harness *h, char **argv, int argc,
                              int up) {
        long id;
        if (argc != 2 || parse_int(argv[1], -1, INT32_MAX, &id)) {
                reply_error("usage: %s <broker-id|-1>", argv[0]);
                return;
        }
        reply_result(up ? rd_kafka_mock_broker_set_up(h->cluster, (int32_t)id)
                        : rd_kafka_mock_broker_set_down(h->cluster,
                                                        (int32_t)id));
}

static void cmd_leader(struct harness *h, char **argv, int argc) {
        long partition, id;
        if (argc != 4 || parse_int(argv[2], 0, INT32_MAX, &partition) ||
            parse_int(argv[3], -1, INT32_MAX, &id)) {
                reply_error("usage: leader <topic> <partition> <broker-id|-1>");
                return;
        }
        reply_result(rd_kafka_mock_partition_set_leader(
            h->cluster, argv[1], (int32_t)partition, (int32_t)id));
}

static void cmd_follower(struct harness *h, char **argv, int argc) {
        long partition, id;
        if (argc != 4 || parse_int(argv[2], 0, INT32_MAX, &partition) ||
            parse_int(argv[3], -1, INT32_MAX, &id)) {
                reply_error("usage: follower <topic> <partition> <broker-id>");
                return;
        }
        reply_result(rd_kafka_mock_partition_set_follower(
            h->cluster, argv[1], (int32_t)partition, (int32_t)id));
}

static void cmd_follower_watermarks(struct harness *h, char **argv, int argc) {
        long partition, lo, hi;
        if (argc != 5 || parse_int(argv[2], 0, INT32_MAX, &partition) ||
            parse_int(argv[3], -1, LONG_MAX, &lo) ||
            parse_int(argv[4], -1, LONG_MAX, &hi)) {
                reply_error("usage: follower-watermarks <topic> <partition> "
                            "<low|-1> <high|-1>");
                return;
        }
        reply_result(rd_kafka_mock_partition_set_follower_wmarks(
            h->cluster, argv[1], (int32_t)partition, lo, hi));
}

static int parse_api_key(const char *text, long *key) {
        return parse_int(text, 0, API_KEY_LIMIT - 1, key);
}

static void cmd_request_errors(struct harness *h, char **argv, int argc) {
        rd_kafka_resp_err_t codes[MAX_TOKENS];
        long key, code;
        int i;
        if (argc < 3 || parse_api_key(argv[1], &key)) {
                reply_error("usage: request-errors <api-key> <code>...");
                return;
        }
        for (i = 2; i < argc; i++) {
                if (parse_int(argv[i], INT16_MIN, INT16_MAX, &code)) {
                        reply_error("bad error code '%s'", argv[i]);
                        return;
                }
                codes[i - 2] = (rd_kafka_resp_err_t)code;
        }
        rd_kafka_mock_push_request_errors_array(h->cluster, (int16_t)key,
                                                (size_t)(argc - 2), codes);
        reply_ok(NULL);
}

static void cmd_broker_request_errors(struct harness *h, char **argv,
                                      int argc) {
        long id, key, code, rtt;
        int i;
        if (argc < 4 || parse_int(argv[1], 0, INT32_MAX, &id) ||
            parse_api_key(argv[2], &key)) {
                reply_error("usage: broker-request-errors <broker-id> "
                            "<api-key> <code>:<rtt-ms>...");
                return;
        }
        /* Validate everything before pushing anything, so a bad entry never
         * leaves a half-pushed list behind. */
        for (i = 3; i < argc; i++) {
                char *colon = strchr(argv[i], ':');
                if (!colon) {
                        reply_error("bad entry '%s': expected <code>:<rtt-ms>",
                                    argv[i]);
                        return;
                }
                *colon = '\0';
                if (parse_int(argv[i], INT16_MIN, INT16_MAX, &code) ||
                    parse_int(colon + 1, 0, INT_MAX, &rtt)) {
                        reply_error("bad entry '%s:%s'", argv[i], colon + 1);
                        return;
                }
                *colon = ':';
        }
        /* The library only offers a variadic form; pushing one entry at a
         * time appends to the same first-in first-out stack. */
        for (i = 3; i < argc; i++) {
                char *colon = strchr(argv[i], ':');
                rd_kafka_resp_err_t err;
                *colon = '\0';
                parse_int(argv[i], INT16_MIN, INT16_MAX, &code);
                parse_int(colon + 1, 0, INT_MAX, &rtt);
                err = rd_kafka_mock_broker_push_request_error_rtts(
                    h->cluster, (int32_t)id, (int16_t)key, 1,
                    (rd_kafka_resp_err_t)code, (int)rtt);
                if (err) {
                        reply_result(err);
                        return;
                }
        }
        reply_ok(NULL);
}

static void cmd_clear_request_errors(struct harness *h, char **argv, int argc) {
        long key;
        if (argc != 2 || parse_api_key(argv[1], &key)) {
                reply_error("usage: clear-request-errors <api-key>");
                return;
        }
        rd_kafka_mock_clear_request_errors(h->cluster, (int16_t)key);
        reply_ok(NULL);
}

static void cmd_error_stack_count(struct harness *h, char **argv, int argc) {
        long id, key;
        size_t count = 0;
        rd_kafka_resp_err_t err;
        if (argc != 3 || parse_int(argv[1], 0, INT32_MAX, &id) ||
            parse_api_key(argv[2], &key)) {
                reply_error("usage: error-stack-count <broker-id> <api-key>");
                return;
        }
        err = rd_kafka_mock_broker_error_stack_cnt(h->cluster, (int32_t)id,
                                                   (int16_t)key, &count);
        if (err)
                reply_result(err);
        else
                reply_ok("%zu", count);
}

static void cmd_topic_create(struct harness *h, char **argv, int argc) {
        long partitions, replication;
        if (argc != 4 || parse_int(argv[2], 1, 1000000, &partitions) ||
            parse_int(argv[3], 1, h->broker_count, &replication)) {
                reply_error("usage: topic-create <topic> <partitions> "
                            "<replication-factor 1..%d>",
                            h->broker_count);
                return;
        }
        reply_result(rd_kafka_mock_topic_create(h->cluster, argv[1],
                                                (int)partitions,
                                                (int)replication));
}

static void cmd_topic_error(struct harness *h, char **argv, int argc) {
        long code;
        if (argc != 3 || parse_int(argv[2], INT16_MIN, INT16_MAX, &code)) {
                reply_error("usage: topic-error <topic> <code>");
                return;
        }
        rd_kafka_mock_topic_set_error(h->cluster, argv[1],
                                      (rd_kafka_resp_err_t)code);
        reply_ok(NULL);
}

static void cmd_rtt(struct harness *h, char **argv, int argc) {
        long id, ms;
        if (argc != 3 || parse_int(argv[1], -1, INT32_MAX, &id) ||
            parse_int(argv[2], 0, INT_MAX, &ms)) {
                reply_error("usage: rtt <broker-id|-1> <ms>");
                return;
        }
        reply_result(
            rd_kafka_mock_broker_set_rtt(h->cluster, (int32_t)id, (int)ms));
}

/* "rack <broker-id> <rack...>": the rack is the rest of the line. */
static void cmd_rack(struct harness *h, char **argv, int argc,
                     const char *rest) {
        long id;
        if (argc < 3 || parse_int(argv[1], -1, INT32_MAX, &id) || !rest) {
                reply_error("usage: rack <broker-id|-1> <rack>");
                return;
        }
        reply_result(rd_kafka_mock_broker_set_rack(h->cluster, (int32_t)id,
                                                   rest));
}

/* "coordinator <group|transaction> <broker-id> <key...>": the key (a group or
 * transactional id, which may contain spaces) is the rest of the line. */
static void cmd_coordinator(struct harness *h, char **argv, int argc,
                            const char *rest) {
        long id;
        if (argc < 4 ||
            (strcmp(argv[1], "group") && strcmp(argv[1], "transaction")) ||
            parse_int(argv[2], -1, INT32_MAX, &id) || !rest) {
                reply_error("usage: coordinator <group|transaction> "
                            "<broker-id> <key>");
                return;
        }
        reply_result(rd_kafka_mock_coordinator_set(h->cluster, argv[1], rest,
                                                   (int32_t)id));
}

static void cmd_api_version(struct harness *h, char **argv, int argc) {
        long key, min, max;
        rd_kafka_resp_err_t err;
        if (argc != 4 || parse_api_key(argv[1], &key) ||
            parse_int(argv[2], -1, INT16_MAX, &min) ||
            parse_int(argv[3], -1, INT16_MAX, &max)) {
                reply_error("usage: api-version <api-key> <min> <max> "
                            "(-1 -1 disables the api)");
                return;
        }
        if (h->implemented[key].max < 0) {
                reply_error("api key %ld is not implemented by this mock",
                            key);
                return;
        }
        /* The mock would accept any range, but its handlers only decode the
         * versions they implement: advertising more would crash it. */
        if (!(min == -1 && max == -1) &&
            (min < h->implemented[key].min || max > h->implemented[key].max ||
             min > max)) {
                reply_error("api key %ld: range %ld..%ld is outside the "
                            "implemented %d..%d",
                            key, min, max, h->implemented[key].min,
                            h->implemented[key].max);
                return;
        }
        err = rd_kafka_mock_set_apiversion(h->cluster, (int16_t)key,
                                           (int16_t)min, (int16_t)max);
        if (!err) {
                h->advertised[key].min = (int16_t)min;
                h->advertised[key].max = (int16_t)max;
        }
        reply_result(err);
}

static void cmd_api_versions(struct harness *h) {
        char text[API_KEY_LIMIT * 20] = "";
        size_t used                   = 0;
        int key;
        for (key = 0; key < API_KEY_LIMIT; key++) {
                if (h->advertised[key].max < 0)
                        continue;
                used += (size_t)snprintf(text + used, sizeof(text) - used,
                                         "%s%d:%d-%d", used ? " " : "", key,
                                         h->advertised[key].min,
                                         h->advertised[key].max);
        }
        reply_ok("%s", text);
}

/* Returns 0 to keep running, 1 on "quit". */
static int dispatch(struct harness *h, char *line) {
        char *argv[MAX_TOKENS];
        /* Where each token starts in an untouched copy of the line, so that
         * commands whose last argument may contain spaces can take the rest
         * of the line verbatim. */
        const char *rest[MAX_TOKENS];
        char *original;
        char *save = NULL;
        char *token;
        int argc = 0;

        line[strcspn(line, "\r\n")] = '\0';
        original = strdup(line);
        if (!original) {
                reply_error("out of memory");
                return 0;
        }
        for (token = strtok_r(line, " \t", &save);
             token && argc < MAX_TOKENS;
             token = strtok_r(NULL, " \t", &save)) {
                rest[argc]   = original + (token - line);
                argv[argc++] = token;
        }
        if (argc == MAX_TOKENS && token) {
                reply_error("too many arguments (limit %d)", MAX_TOKENS - 1);
                free(original);
                return 0;
        }
        if (argc == 0) {
                reply_error("empty command");
                free(original);
                return 0;
        }

        if (!strcmp(argv[0], "ping"))
                reply_ok(NULL);
        else if (!strcmp(argv[0], "quit")) {
                free(original);
                return 1;
        }
        else if (!strcmp(argv[0], "bootstrap"))
                reply_ok("%s", rd_kafka_mock_cluster_bootstraps(h->cluster));
        else if (!strcmp(argv[0], "broker-down"))
                cmd_broker_updown(h, argv, argc, 0);
        else if (!strcmp(argv[0], "broker-up"))
                cmd_broker_updown(h, argv, argc, 1);
        else if (!strcmp(argv[0], "leader"))
                cmd_leader(h, argv, argc);
        else if (!strcmp(argv[0], "follower"))
                cmd_follower(h, argv, argc);
        else if (!strcmp(argv[0], "follower-watermarks"))
                cmd_follower_watermarks(h, argv, argc);
        else if (!strcmp(argv[0], "request-errors"))
                cmd_request_errors(h, argv, argc);
        else if (!strcmp(argv[0], "broker-request-errors"))
                cmd_broker_request_errors(h, argv, argc);
        else if (!strcmp(argv[0], "clear-request-errors"))
                cmd_clear_request_errors(h, argv, argc);
        else if (!strcmp(argv[0], "error-stack-count"))
                cmd_error_stack_count(h, argv, argc);
        else if (!strcmp(argv[0], "topic-create"))
                cmd_topic_create(h, argv, argc);
        else if (!strcmp(argv[0], "topic-error"))
                cmd_topic_error(h, argv, argc);
        else if (!strcmp(argv[0], "rtt"))
                cmd_rtt(h, argv, argc);
        else if (!strcmp(argv[0], "rack"))
                cmd_rack(h, argv, argc, argc >= 3 ? rest[2] : NULL);
        else if (!strcmp(argv[0], "coordinator"))
                cmd_coordinator(h, argv, argc, argc >= 4 ? rest[3] : NULL);
        else if (!strcmp(argv[0], "api-version"))
                cmd_api_version(h, argv, argc);
        else if (!strcmp(argv[0], "api-versions"))
                cmd_api_versions(h);
        else
                reply_error("unknown command '%s'", argv[0]);
        free(original);
        return 0;
}

int main(int argc, char **argv) {
        struct harness h;
        rd_kafka_conf_t *conf;
        char errstr[512];
        const char *debug = NULL;
        char *line        = NULL;
        size_t line_cap   = 0;
        long brokers      = 3;
        int i, quit = 0;

        memset(&h, 0, sizeof(h));
        for (i = 0; i < API_KEY_LIMIT; i++) {
                h.implemented[i].min = h.implemented[i].max = -1;
                h.advertised[i]                             = h.implemented[i];
        }

        for (i = 1; i < argc; i++) {
                if (!strncmp(argv[i], "--debug=", 8))
                        debug = argv[i] + 8;
                else if (parse_int(argv[i], 1, 100, &brokers)) {
                        fprintf(stderr,
                                "usage: %s [BROKERS 1..100] "
                                "[--debug=CONTEXTS]\n",
                                argv[0]);
                        return 2;
                }
        }
        h.broker_count = (int)brokers;

        conf = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(conf, log_to_stderr);
        /* The handle only hosts the cluster; it never connects anywhere, so
         * keep its own "no bootstrap.servers" chatter out of the logs. */
        rd_kafka_conf_set(conf, "log_level", debug ? "7" : "3", NULL, 0);
        if (debug && rd_kafka_conf_set(conf, "debug", debug, errstr,
                                       sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "bad --debug: %s\n", errstr);
                return 2;
        }
        h.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!h.rk) {
                fprintf(stderr, "rd_kafka_new failed: %s\n", errstr);
                return 1;
        }
        h.cluster = rd_kafka_mock_cluster_new(h.rk, h.broker_count);
        if (!h.cluster) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(h.rk);
                return 1;
        }
        if (probe_api_versions(&h)) {
                fprintf(stderr, "could not read the mock's ApiVersions\n");
                rd_kafka_mock_cluster_destroy(h.cluster);
                rd_kafka_destroy(h.rk);
                return 1;
        }

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(h.cluster));
        fflush(stdout);

        while (!quit && getline(&line, &line_cap, stdin) != -1)
                quit = dispatch(&h, line);

        rd_kafka_mock_cluster_destroy(h.cluster);
        rd_kafka_destroy(h.rk);
        if (quit)
                reply_ok(NULL);
        free(line);
        return 0;
}

// bench/peers/passthrough.cpp — the ceiling: librdkafka consume -> produce, parsing nothing.
//
//   passthrough BROKERS IN_TOPIC OUT_TOPIC [follow]
//
// With `follow` (the latency benchmark) it does not stop at the end of the topic but runs until
// SIGTERM or SIGINT, then flushes and exits.
//
// Assigns every partition of IN_TOPIC from the beginning, copies each message (key and value,
// same partition number) to OUT_TOPIC, stops when every partition is read to its end, flushes,
// and prints "passthrough: N records in, N out in S s". One thread for the application (plus
// librdkafka's own threads); the producer settings are the same kind flowrun uses (idempotent,
// linger for throughput), so the difference to flow W1 is decoding, filtering, encoding and
// flow's per-trigger bookkeeping.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_kafka.hpp"

namespace {
volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }
using bench::die;
void set(rd_kafka_conf_t* conf, const char* k, const char* v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
}
}  // namespace

int main(int argc, char** argv) {
  bench::tool = "passthrough";
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "follow"))
    die("usage: passthrough BROKERS IN_TOPIC OUT_TOPIC [follow]");
  const bool follow = argc == 5;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  const char *brokers = argv[1], *in = argv[2], *out = argv[3];
  char err[512];
  auto t0 = std::chrono::steady_clock::now();

  rd_kafka_conf_t* pc = rd_kafka_conf_new();
  set(pc, "bootstrap.servers", brokers);
  set(pc, "enable.idempotence", "true");
  set(pc, "linger.ms", "20");
  set(pc, "batch.size", "1000000");
  rd_kafka_t* prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  if (!prod) die(err);
  rd_kafka_topic_t* out_t = rd_kafka_topic_new(prod, out, nullptr);

  rd_kafka_conf_t* cc = rd_kafka_conf_new();
  set(cc, "bootstrap.servers", brokers);
  set(cc, "group.id", "passthrough");
  set(cc, "enable.auto.commit", "false");
  set(cc, "enable.partition.eof", "true");
  rd_kafka_t* cons = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
  if (!cons) die(err);
  rd_kafka_poll_set_consumer(cons);

  int parts = bench::assign_from_beginning(cons, in);

  long n = 0;
  int eof = 0;
  while (follow ? !stop_requested : eof < parts) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(cons, 100);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eof;
    } else if (m->err) {
      die(rd_kafka_message_errstr(m));
    } else {
      while (rd_kafka_produce(out_t, m->partition, RD_KAFKA_MSG_F_COPY, m->payload, m->len, m->key,
                              m->key_len, nullptr) != 0) {
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
          die(rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_poll(prod, 10);
      }
      rd_kafka_poll(prod, 0);
      ++n;
    }
    rd_kafka_message_destroy(m);
  }
  if (rd_kafka_flush(prod, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("passthrough: %ld records in, %ld out in %.2f s\n", n, n, s);
  rd_kafka_consumer_close(cons);
  rd_kafka_destroy(cons);
  rd_kafka_topic_destroy(out_t);
  rd_kafka_destroy(prod);
  return 0;
}

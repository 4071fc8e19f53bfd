// bench/peers/clickgen.cpp — the benchmark's data and its correctness guard.
//
//   clickgen gen BROKERS TOPIC PARTITIONS RECORDS USERS REFDIR
//       Produces RECORDS click records (JSON, about 150 bytes) to TOPIC, keyed by user and
//       partitioned like Java's producer (murmur2), event times increasing, then one sentinel
//       record per partition (user "~end-P", 2 hours after the last click) that moves every
//       partition's event time past all sessions, so peers that close sessions on stream time
//       (Kafka Streams, Spark) close them all. Writes the reference into REFDIR:
//       reference.txt (records, w1 count, users, w3 sessions) and w2_counts.txt (user count).
//   clickgen check BROKERS TOPIC WORKLOAD REFDIR
//       Reads TOPIC to its end and checks it against the reference (records whose key starts
//       with '~' are the sentinels and are ignored):
//         pass  every input record is there (the passthrough);
//         w1  the number of records equals the reference;
//         w2  for every user, the last emitted "n" equals the user's number of clicks, and no
//             other user appears;
//         w3  the number of sessions and the sum of their "clicks" equal the reference.
//       Prints "check WORKLOAD: ok ..." or "check WORKLOAD: FAILED ..." (exit 1).
//   clickgen topic BROKERS TOPIC PARTITIONS [logappend]
//       Creates a topic (replication factor 1); with `logappend`, message.timestamp.type =
//       LogAppendTime (the broker stamps every record with the time it appended it: the
//       latency benchmark's output topics).
//   clickgen deltopic BROKERS TOPIC
//       Deletes a topic (the latency benchmark's large topics, once measured).
//
// Deterministic: the same arguments give the same records.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench_kafka.hpp"

namespace {

using bench::die;
using bench::make;

using bench::kAgents;
using bench::kCountries;
using bench::kUrls;

int gen(int argc, char** argv) {
  if (argc != 8) die("usage: clickgen gen BROKERS TOPIC PARTITIONS RECORDS USERS REFDIR");
  std::string brokers = argv[2], topic = argv[3], refdir = argv[7];
  int partitions = std::atoi(argv[4]);
  long records = std::atol(argv[5]);
  long users = std::atol(argv[6]);
  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, brokers,
                        {{"partitioner", "murmur2_random"},
                         {"linger.ms", "50"},
                         {"batch.size", "1000000"},
                         {"queue.buffering.max.kbytes", "1048576"},
                         {"enable.idempotence", "true"}});
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);

  std::mt19937_64 rng(42);
  // Event time: a user clicks on average every ~33 minutes (20 ms * 100k users), so about 40 %
  // of a user's gaps exceed the 30-minute session timeout.
  const int64_t t0 = 1767225600000;  // 2026-01-01T00:00:00Z
  const int64_t step_ms = std::max<int64_t>(1, 2000000 / users);
  std::vector<int64_t> last(users, -1);
  std::vector<long> counts(users, 0);
  long w1 = 0, sessions = 0;
  char buf[512], key[32];
  auto start = std::chrono::steady_clock::now();
  long bytes_total = 0;
  int64_t ts = t0, last_ts = t0;
  for (long i = 0; i < records; ++i) {
    long u = static_cast<long>(rng() % users);
    ts = t0 + i * step_ms + static_cast<int64_t>(rng() % step_ms);  // non-decreasing
    ts = t0 + (ts - t0) / 7 * 7;  // gaps are multiples of 7 ms, never exactly 30 minutes, so
    ts = std::max(ts, last_ts);     // the systems' inclusive/exclusive gap rules agree
    last_ts = ts;
    int url = static_cast<int>(rng() % 13);
    int bytes = static_cast<int>(rng() % 10000);
    int klen = std::snprintf(key, sizeof key, "u%07ld", u);
    int n = std::snprintf(buf, sizeof buf,
                          "{\"user\":\"%s\",\"url\":\"%s\",\"bytes\":%d,\"ts\":%" PRId64
                          ",\"country\":\"%s\",\"agent\":\"%s\"}",
                          key, kUrls[url], bytes, ts, kCountries[rng() % 8], kAgents[rng() % 3]);
    if (bytes >= 2000) ++w1;
    if (last[u] < 0 || ts - last[u] >= 30 * 60 * 1000) ++sessions;
    last[u] = ts;
    ++counts[u];
    bytes_total += n;
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, buf, n, key, klen,
                            nullptr) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        die(rd_kafka_err2str(rd_kafka_last_error()));
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  for (int p = 0; p < partitions; ++p) {  // the sentinels
    int klen = std::snprintf(key, sizeof key, "~end-%d", p);
    int n = std::snprintf(buf, sizeof buf,
                          "{\"user\":\"%s\",\"url\":\"/end\",\"bytes\":0,\"ts\":%" PRId64
                          ",\"country\":\"--\",\"agent\":\"sentinel\"}",
                          key, ts + 2 * 3600 * 1000);
    if (rd_kafka_produce(rkt, p, RD_KAFKA_MSG_F_COPY, buf, n, key, klen, nullptr) != 0)
      die(rd_kafka_err2str(rd_kafka_last_error()));
  }
  if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long active = 0;
  {
    std::ofstream out(refdir + "/w2_counts.txt");
    for (long u = 0; u < users; ++u)
      if (counts[u]) {
        ++active;
        std::snprintf(key, sizeof key, "u%07ld", u);
        out << key << ' ' << counts[u] << '\n';
      }
  }
  std::ofstream ref(refdir + "/reference.txt");
  ref << "records " << records + partitions << "\n"
      << "real_records " << records << "\n"
      << "bytes " << bytes_total << "\n"
      << "w1 " << w1 << "\n"
      << "w2_users " << active << "\n"
      << "w3_sessions " << sessions << "\n"
      << "w3_clicks " << records << "\n";
  std::printf("clickgen: %ld records (+%d sentinels), %.1f MB, avg %.0f bytes, in %.1f s; "
              "w1 %ld, users %ld, sessions %ld\n",
              records, partitions, bytes_total / 1e6, double(bytes_total) / records, secs, w1,
              active, sessions);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return 0;
}

std::map<std::string, long> read_ref(const std::string& refdir) {
  std::map<std::string, long> m;
  std::ifstream in(refdir + "/reference.txt");
  std::string k;
  long v;
  while (in >> k >> v) m[k] = v;
  if (m.empty()) die("no reference in " + refdir);
  return m;
}

// The integer after "field": in a JSON object (no nesting needed for our outputs).
bool int_field(const char* p, size_t n, const char* field, long* out) {
  std::string pat = std::string("\"") + field + "\":";
  std::string_view s(p, n);
  size_t at = s.find(pat);
  if (at == std::string_view::npos) return false;
  *out = std::strtol(std::string(s.substr(at + pat.size(), 24)).c_str(), nullptr, 10);
  return true;
}

int check(int argc, char** argv) {
  if (argc != 6) die("usage: clickgen check BROKERS TOPIC WORKLOAD REFDIR");
  std::string brokers = argv[2], topic = argv[3], w = argv[4], refdir = argv[5];
  auto ref = read_ref(refdir);
  long total = 0, sentinels = 0, sum_clicks = 0, no_field = 0;
  std::unordered_map<std::string, long> last;
  bench::for_each_record(brokers, "clickgen-check", topic, [&](const rd_kafka_message_t& m) {
    std::string key(static_cast<const char*>(m.key), m.key_len);
    if (!key.empty() && key[0] == '~') {
      ++sentinels;
      return;
    }
    ++total;
    long v = 0;
    const char* val = static_cast<const char*>(m.payload);
    if (w == "w2") {
      if (int_field(val, m.len, "n", &v)) last[key] = v; else ++no_field;
    } else if (w == "w3") {
      if (int_field(val, m.len, "clicks", &v)) sum_clicks += v; else ++no_field;
    }
  });
  std::string verdict;
  bool ok = no_field == 0;
  char msg[512];
  if (w == "pass") {
    ok = ok && total == ref["real_records"];
    std::snprintf(msg, sizeof msg, "%ld records out, reference %ld", total, ref["real_records"]);
  } else if (w == "w1") {
    ok = ok && total == ref["w1"];
    std::snprintf(msg, sizeof msg, "%ld records out, reference %ld", total, ref["w1"]);
  } else if (w == "w2") {
    std::ifstream in(refdir + "/w2_counts.txt");
    std::string user;
    long c, wrong = 0, missing = 0, users = 0;
    std::string example;
    while (in >> user >> c) {
      ++users;
      auto it = last.find(user);
      if (it == last.end()) {
        ++missing;
        if (example.empty()) example = user + " missing (expected " + std::to_string(c) + ")";
      } else if (it->second != c) {
        ++wrong;
        if (example.empty())
          example = user + " last n " + std::to_string(it->second) + ", expected " + std::to_string(c);
      }
    }
    long extra = static_cast<long>(last.size()) - (users - missing);
    ok = ok && wrong == 0 && missing == 0 && extra == 0;
    std::snprintf(msg, sizeof msg,
                  "%ld updates for %zu users; reference %ld users: %ld wrong, %ld missing, %ld extra%s%s",
                  total, last.size(), users, wrong, missing, extra, example.empty() ? "" : "; e.g. ",
                  example.c_str());
  } else if (w == "w3") {
    ok = ok && total == ref["w3_sessions"] && sum_clicks == ref["w3_clicks"];
    std::snprintf(msg, sizeof msg, "%ld sessions with %ld clicks, reference %ld sessions with %ld clicks",
                  total, sum_clicks, ref["w3_sessions"], ref["w3_clicks"]);
  } else {
    die("unknown workload " + w);
  }
  if (no_field) std::printf("check %s: %ld records without the expected field\n", w.c_str(), no_field);
  std::printf("check %s: %s %s (%ld sentinel records ignored)\n", w.c_str(), ok ? "ok" : "FAILED", msg,
              sentinels);
  return ok ? 0 : 1;
}

// Creates TOPIC with PARTITIONS partitions (replication 1); an existing topic is an error.
int topic(int argc, char** argv) {
  if (argc != 5 && !(argc == 6 && std::strcmp(argv[5], "logappend") == 0))
    die("usage: clickgen topic BROKERS TOPIC PARTITIONS [logappend]");
  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, argv[2], {});
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(argv[3], std::atoi(argv[4]), 1, err, sizeof err);
  if (!nt) die(err);
  if (argc == 6 && rd_kafka_NewTopic_set_config(nt, "message.timestamp.type", "LogAppendTime"))
    die("cannot set message.timestamp.type");
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) die("CreateTopics timed out");
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  if (!res) die(rd_kafka_event_error_string(ev));
  size_t n;
  const rd_kafka_topic_result_t** tr = rd_kafka_CreateTopics_result_topics(res, &n);
  if (n != 1 || rd_kafka_topic_result_error(tr[0]))
    die(std::string("create ") + argv[3] + ": " + (n ? rd_kafka_topic_result_error_string(tr[0]) : "?"));
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_destroy(rk);
  return 0;
}

// Deletes TOPIC.
int deltopic(int argc, char** argv) {
  if (argc != 4) die("usage: clickgen deltopic BROKERS TOPIC");
  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, argv[2], {});
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(argv[3]);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) die("DeleteTopics timed out");
  const rd_kafka_DeleteTopics_result_t* res = rd_kafka_event_DeleteTopics_result(ev);
  if (!res) die(rd_kafka_event_error_string(ev));
  size_t n;
  const rd_kafka_topic_result_t** tr = rd_kafka_DeleteTopics_result_topics(res, &n);
  if (n != 1 || rd_kafka_topic_result_error(tr[0]))
    die(std::string("delete ") + argv[3] + ": " + (n ? rd_kafka_topic_result_error_string(tr[0]) : "?"));
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_DeleteTopic_destroy(dt);
  rd_kafka_destroy(rk);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::tool = "clickgen";
  if (argc >= 2 && std::strcmp(argv[1], "gen") == 0) return gen(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "check") == 0) return check(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "topic") == 0) return topic(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "deltopic") == 0) return deltopic(argc, argv);
  die("usage: clickgen gen|check|topic|deltopic ...");
}

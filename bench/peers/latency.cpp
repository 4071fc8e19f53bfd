// bench/peers/latency.cpp — end-to-end latency of a running system at a fixed input rate.
//
//   latency BROKERS IN_TOPIC OUT_TOPIC MODE RATE SECONDS WARMUP USERS [DRAIN]
//
// The system under test already runs, reading IN_TOPIC and writing OUT_TOPIC (created with
// message.timestamp.type=LogAppendTime: `clickgen topic … logappend`). This tool
//   1. sends a probe record (one that passes W1's filter) every 200 ms until one comes out of
//      OUT_TOPIC: the system is up end to end (probes are not measured);
//   2. produces click records (the shape of clickgen's, ~155 bytes, keyed by user, murmur2) at
//      RATE records/s: WARMUP seconds that are not measured (JIT warm-up, fetch sessions), then
//      SECONDS seconds that are. Each record's Kafka timestamp (CreateTime) is set explicitly to
//      the wall-clock millisecond at which it is handed to librdkafka, and its url carries a
//      sequence number ("/cart?s=123");
//   3. reads OUT_TOPIC all the while; for each output record, latency = its LogAppendTime (the
//      broker's clock when the system's output was appended) − the input's send time. Both
//      clocks are this machine's. The input producer's own batching (linger.ms=1) and its
//      request to the broker are inside the measure, as in "record timestamp in vs out";
//   4. after the last record, waits until every expected output arrived (MODE w1: the measured
//      records with bytes >= 2000; pass: all of them), or until no output came for DRAIN
//      seconds (default 60), and prints the percentiles over the EXPECTED count: an output that
//      never came counts as infinitely late, so a p99 is "inf" if more than 1 % are missing.
//
// Last line (for run.sh): "latency-result key=value ..." with rate, achieved_rate, sent,
// expected, received, p50_ms, p90_ms, p99_ms, p999_ms, max_ms, drain_s. Exit 1 if an output
// record did not carry a LogAppendTime timestamp. With LATENCY_DUMP=FILE in the environment,
// also writes "send_ms latency_ms" for every measured output (first arrival) to FILE.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_kafka.hpp"

namespace {

using bench::die;
using bench::make;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using bench::kAgents;
using bench::kCountries;
using bench::kUrls;

struct Arrival {
  int64_t seq;
  int64_t append_ms;
};

// The reader: every output record's sequence number (or probe) and LogAppendTime.
struct Reader {
  std::atomic<bool> stop{false};
  std::atomic<bool> probe_seen{false};
  std::atomic<int64_t> arrivals{0};       // outputs of sequenced records (warm-up and measured)
  std::atomic<int64_t> last_arrival_ms{0};
  std::atomic<int64_t> not_log_append{0};
  std::atomic<int64_t> unmatched{0};
  std::vector<Arrival> got;  // written by the reader thread only; read after join

  void run(const std::string& brokers, const std::string& topic) {
    rd_kafka_t* rk = make(RD_KAFKA_CONSUMER, brokers,
                          {{"group.id", "latency-reader"}, {"enable.auto.commit", "false"},
                           {"fetch.wait.max.ms", "50"}});
    rd_kafka_poll_set_consumer(rk);
    // A topic created a moment ago may not be in the broker's metadata yet: retry for 30 s.
    int parts = 0;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    for (int attempt = 0; attempt < 60 && parts == 0; ++attempt) {
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
          !md->topics[0].err)
        parts = md->topics[0].partition_cnt;
      if (md) rd_kafka_metadata_destroy(md);
      if (parts == 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    rd_kafka_topic_destroy(rkt);
    if (parts == 0) die("no metadata for " + topic);
    rd_kafka_topic_partition_list_t* tp = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; ++p)
      rd_kafka_topic_partition_list_add(tp, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, tp);
    rd_kafka_topic_partition_list_destroy(tp);
    while (!stop.load()) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
      if (!m) continue;
      if (!m->err) {
        rd_kafka_timestamp_type_t type;
        int64_t ts = rd_kafka_message_timestamp(m, &type);
        if (type != RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME) not_log_append++;
        std::string_view v(static_cast<const char*>(m->payload), m->len);
        size_t at = v.find("?s=");
        if (at != std::string_view::npos) {
          got.push_back({std::strtoll(std::string(v.substr(at + 3, 20)).c_str(), nullptr, 10), ts});
          arrivals++;
          last_arrival_ms = wall_ms();
        } else if (v.find("?p=") != std::string_view::npos) {
          probe_seen = true;
        } else {
          unmatched++;
        }
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};

}  // namespace

int main(int argc, char** argv) {
  bench::tool = "latency";
  if (argc != 9 && argc != 10)
    die("usage: latency BROKERS IN_TOPIC OUT_TOPIC w1|pass RATE SECONDS WARMUP USERS [DRAIN]");
  std::string brokers = argv[1], in = argv[2], out = argv[3], mode = argv[4];
  if (mode != "w1" && mode != "pass") die("MODE is w1 or pass");
  double rate = std::atof(argv[5]);
  double seconds = std::atof(argv[6]), warmup = std::atof(argv[7]);
  long users = std::atol(argv[8]);
  double drain = argc == 10 ? std::atof(argv[9]) : 60;
  if (rate <= 0 || seconds <= 0 || warmup < 0 || users <= 0) die("RATE, SECONDS, USERS must be positive");
  const int64_t n_warm = static_cast<int64_t>(rate * warmup);
  const int64_t n_total = n_warm + static_cast<int64_t>(rate * seconds);

  Reader reader;
  reader.got.reserve(static_cast<size_t>(n_total) + 1024);
  std::thread reading([&] { reader.run(brokers, out); });

  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, brokers,
                        {{"partitioner", "murmur2_random"},
                         {"linger.ms", "1"},
                         {"queue.buffering.max.kbytes", "1048576"},
                         {"enable.idempotence", "true"}});
  std::mt19937_64 rng(7);
  char buf[512], key[32];
  auto produce = [&](int n, int klen, int64_t ts) {
    while (true) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(in.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, klen),
          RD_KAFKA_V_VALUE(buf, n), RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(rd_kafka_err2str(err));
      rd_kafka_poll(rk, 1);
    }
  };

  // 1. Probes until the system answers (JVM start, group join, compilation...).
  auto t_probe = std::chrono::steady_clock::now();
  for (int k = 0; !reader.probe_seen.load(); ++k) {
    if (std::chrono::steady_clock::now() - t_probe > std::chrono::seconds(180)) die("no probe came out in 180 s");
    int64_t now = wall_ms();
    int klen = std::snprintf(key, sizeof key, "u%07d", k % 1000);
    int n = std::snprintf(buf, sizeof buf,
                          "{\"user\":\"%s\",\"url\":\"/probe?p=%d\",\"bytes\":5000,\"ts\":%" PRId64
                          ",\"country\":\"DE\",\"agent\":\"probe\"}",
                          key, k, now);
    produce(n, klen, now);
    rd_kafka_flush(rk, 1000);
    for (int i = 0; i < 20 && !reader.probe_seen.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double probe_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_probe).count();
  std::fprintf(stderr, "latency: system answered a probe after %.1f s; producing %.0f records/s for %.0f + %.0f s\n",
               probe_s, rate, warmup, seconds);

  // 2. Paced production: record i is due at start + i / rate; sent in bursts every ~0.5 ms.
  std::vector<int64_t> sent_ms(static_cast<size_t>(n_total));
  std::vector<uint8_t> expected_out(static_cast<size_t>(n_total));
  int64_t expected = 0;
  auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point measured_start = start, measured_end = start;
  for (int64_t i = 0; i < n_total;) {
    auto now = std::chrono::steady_clock::now();
    int64_t due = std::min<int64_t>(n_total, static_cast<int64_t>(
                                                 std::chrono::duration<double>(now - start).count() * rate) + 1);
    for (; i < due; ++i) {
      if (i == n_warm) measured_start = std::chrono::steady_clock::now();
      long u = static_cast<long>(rng() % static_cast<uint64_t>(users));
      int url = static_cast<int>(rng() % 13);
      int bytes = static_cast<int>(rng() % 10000);
      int64_t ts = wall_ms();
      int klen = std::snprintf(key, sizeof key, "u%07ld", u);
      int n = std::snprintf(buf, sizeof buf,
                            "{\"user\":\"%s\",\"url\":\"%s?s=%" PRId64 "\",\"bytes\":%d,\"ts\":%" PRId64
                            ",\"country\":\"%s\",\"agent\":\"%s\"}",
                            key, kUrls[url], i, bytes, ts, kCountries[rng() % 8], kAgents[rng() % 3]);
      produce(n, klen, ts);
      sent_ms[static_cast<size_t>(i)] = ts;
      bool out_expected = mode == "pass" || bytes >= 2000;
      expected_out[static_cast<size_t>(i)] = out_expected;
      if (i >= n_warm && out_expected) ++expected;
    }
    rd_kafka_poll(rk, 0);
    if (i < n_total) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  measured_end = std::chrono::steady_clock::now();
  if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("input flush timed out");
  double measured_s = std::chrono::duration<double>(measured_end - measured_start).count();
  double achieved = static_cast<double>(n_total - n_warm) / measured_s;

  // 3. Drain: until every output of a sequenced record came, or none came for DRAIN seconds.
  const int64_t expected_all = [&] {
    int64_t c = 0;
    for (uint8_t e : expected_out) c += e;
    return c;
  }();
  auto drain_start = std::chrono::steady_clock::now();
  int64_t idle_since = wall_ms();
  int64_t last_count = -1;
  while (reader.arrivals.load() < expected_all) {
    int64_t c = reader.arrivals.load();
    if (c != last_count) {
      last_count = c;
      idle_since = wall_ms();
    } else if (wall_ms() - idle_since > static_cast<int64_t>(drain * 1000)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double drain_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start).count();
  reader.stop = true;
  reading.join();
  rd_kafka_destroy(rk);

  // 4. Latencies of the measured records (first arrival of each).
  std::vector<uint8_t> seen(static_cast<size_t>(n_total));
  std::vector<int64_t> lat;
  lat.reserve(static_cast<size_t>(expected));
  int64_t dup = 0, unexpected = 0;
  for (const Arrival& a : reader.got) {
    if (a.seq < 0 || a.seq >= n_total) {
      unexpected++;
      continue;
    }
    auto s = static_cast<size_t>(a.seq);
    if (seen[s]) {
      dup++;
      continue;
    }
    seen[s] = 1;
    if (!expected_out[s]) unexpected++;
    if (a.seq >= n_warm) lat.push_back(a.append_ms - sent_ms[s]);
  }
  if (const char* dump = std::getenv("LATENCY_DUMP")) {  // "send_ms latency_ms" per measured output
    if (FILE* f = std::fopen(dump, "w")) {
      std::vector<uint8_t> dumped(static_cast<size_t>(n_total));
      for (const Arrival& a : reader.got)
        if (a.seq >= n_warm && a.seq < n_total && !dumped[static_cast<size_t>(a.seq)]) {
          dumped[static_cast<size_t>(a.seq)] = 1;
          std::fprintf(f, "%" PRId64 " %" PRId64 "\n", sent_ms[static_cast<size_t>(a.seq)],
                       a.append_ms - sent_ms[static_cast<size_t>(a.seq)]);
        }
      std::fclose(f);
    }
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) -> std::string {
    if (expected == 0) return "nan";
    auto idx = static_cast<int64_t>(q * static_cast<double>(expected) + 0.999999) - 1;
    idx = std::max<int64_t>(0, idx);
    if (idx >= static_cast<int64_t>(lat.size())) return "inf";
    return std::to_string(lat[static_cast<size_t>(idx)]);
  };
  std::string max = lat.size() < static_cast<size_t>(expected) ? "inf" : (lat.empty() ? "nan" : std::to_string(lat.back()));
  double mean = 0;
  for (int64_t l : lat) mean += static_cast<double>(l);
  mean = lat.empty() ? 0 : mean / static_cast<double>(lat.size());
  std::fprintf(stderr,
               "latency: %" PRId64 " measured records at %.0f/s (asked %.0f/s); %zu of %" PRId64
               " expected outputs (%" PRId64 " duplicates, %" PRId64 " unexpected, %" PRId64
               " without a sequence); drain %.1f s\n",
               n_total - n_warm, achieved, rate, lat.size(), expected, dup, unexpected, reader.unmatched.load(),
               drain_s);
  std::fprintf(stderr, "latency: p50 %s ms, p90 %s ms, p99 %s ms, p99.9 %s ms, max %s ms, mean %.1f ms\n",
               pct(0.5).c_str(), pct(0.9).c_str(), pct(0.99).c_str(), pct(0.999).c_str(), max.c_str(), mean);
  if (reader.not_log_append.load())
    std::fprintf(stderr, "latency: %" PRId64 " output records without LogAppendTime: the output topic must be "
                         "created with message.timestamp.type=LogAppendTime\n",
                 reader.not_log_append.load());
  std::printf("latency-result rate=%.0f achieved_rate=%.0f sent=%" PRId64 " expected=%" PRId64
              " received=%zu p50_ms=%s p90_ms=%s p99_ms=%s p999_ms=%s max_ms=%s mean_ms=%.1f drain_s=%.1f\n",
              rate, achieved, n_total - n_warm, expected, lat.size(), pct(0.5).c_str(), pct(0.9).c_str(),
              pct(0.99).c_str(), pct(0.999).c_str(), max.c_str(), mean, drain_s);
  return reader.not_log_append.load() ? 1 : 0;
}

// bench/peers/clickgen.cpp — the benchmark's data and its correctness guard.
//
//   clickgen gen BROKERS TOPIC PARTITIONS RECORDS USERS REFDIR [USERS_TOPIC UPDATES]
//       Produces RECORDS click records (JSON, about 150 bytes) to TOPIC, keyed by user and
//       partitioned like Java's producer (murmur2), event times increasing, then one sentinel
//       record per partition (user "~end-P", 2 hours after the last click) that moves every
//       partition's event time past all sessions, so peers that close sessions on stream time
//       (Kafka Streams, Spark) close them all. Writes the reference into REFDIR:
//       reference.txt (records, w1 count, users, w3 sessions) and w2_counts.txt (user count).
//       With USERS_TOPIC (W4; a topic of PARTITIONS partitions, keyed by user id, murmur2 like the
//       clicks): first one row {"id","region","updated"} per user (updated 1 s before the first
//       click), then UPDATES updates of random users (each a region other than the user's current
//       one), interleaved with the clicks in event time: an update at click i has updated = that
//       click's ts + 3 ms (click times are multiples of 7 ms from t0, so no update has a click's
//       time and "the version current at the click's time" is never a tie). The users come from
//       their own random stream, so the clicks are the same with or without USERS_TOPIC. Writes
//       w4_versions.txt (user updated region, every version) and w4_clicks.txt (user ts url
//       bytes, every click) into REFDIR.
//   clickgen check BROKERS TOPIC WORKLOAD REFDIR
//       Reads TOPIC to its end and checks it against the reference (records whose key starts
//       with '~' are the sentinels and are ignored):
//         pass  every input record is there (the passthrough);
//         w1  the number of records equals the reference;
//         w2  for every user, the last emitted "n" equals the user's number of clicks, and no
//             other user appears;
//         w3  the number of sessions and the sum of their "clicks" equal the reference.
//         w4  every click comes out exactly once (matched on user, ts, url, bytes), enriched
//             with "region" and "updated" of a version of its user that took effect at or
//             before the click's ts (a version from the click's future, or none, fails); also
//             counts how many carry the version current at the click's ts (the latest at or
//             before it: what an event-time join gives) and how many an older one (stale).
//         w4all  (Spark's stream-stream join, which emits a row per matching version) the rows
//             are exactly the pairs (click, version of its user at or before its ts): no pair
//             twice, none missing, none from the future.
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
  if (argc != 8 && argc != 10)
    die("usage: clickgen gen BROKERS TOPIC PARTITIONS RECORDS USERS REFDIR [USERS_TOPIC UPDATES]");
  std::string brokers = argv[2], topic = argv[3], refdir = argv[7];
  int partitions = std::atoi(argv[4]);
  long records = std::atol(argv[5]);
  long users = std::atol(argv[6]);
  const bool w4 = argc == 10;
  const long updates = w4 ? std::atol(argv[9]) : 0;
  rd_kafka_t* rk = make(RD_KAFKA_PRODUCER, brokers,
                        {{"partitioner", "murmur2_random"},
                         {"linger.ms", "50"},
                         {"batch.size", "1000000"},
                         {"queue.buffering.max.kbytes", "1048576"},
                         {"enable.idempotence", "true"}});
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  rd_kafka_topic_t* urkt = w4 ? rd_kafka_topic_new(rk, argv[8], nullptr) : nullptr;
  auto produce = [&](rd_kafka_topic_t* t, const char* v, int n, const char* k, int klen) {
    while (rd_kafka_produce(t, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(v), n, k,
                            klen, nullptr) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        die(rd_kafka_err2str(rd_kafka_last_error()));
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  };

  std::mt19937_64 rng(42);
  std::mt19937_64 urng(4242);  // W4's users: their own stream, so the clicks do not change
  static const char* kRegions[] = {"eu-west", "eu-central", "us-east", "us-west",
                                   "ap-south", "ap-northeast", "sa-east", "af-south"};
  std::vector<int> region(w4 ? users : 0);
  std::vector<int64_t> last_update(w4 ? users : 0, 0);
  std::ofstream versions, clicks_ref;
  long user_records = 0, user_bytes = 0, updates_done = 0;
  char ubuf[256];
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
  auto user_row = [&](long u, int64_t at) {
    int klen = std::snprintf(key, sizeof key, "u%07ld", u);
    int n = std::snprintf(ubuf, sizeof ubuf, "{\"id\":\"%s\",\"region\":\"%s\",\"updated\":%" PRId64 "}",
                          key, kRegions[region[u]], at);
    produce(urkt, ubuf, n, key, klen);
    versions << key << ' ' << at << ' ' << kRegions[region[u]] << '\n';
    last_update[u] = at;
    ++user_records;
    user_bytes += n;
  };
  if (w4) {
    versions.open(refdir + "/w4_versions.txt");
    clicks_ref.open(refdir + "/w4_clicks.txt");
    for (long u = 0; u < users; ++u) {
      region[u] = static_cast<int>(urng() % 8);
      user_row(u, t0 - 1000);
    }
  }
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
    if (w4) {
      clicks_ref << key << ' ' << ts << ' ' << kUrls[url] << ' ' << bytes << '\n';
    }
    if (bytes >= 2000) ++w1;
    if (last[u] < 0 || ts - last[u] >= 30 * 60 * 1000) ++sessions;
    last[u] = ts;
    ++counts[u];
    bytes_total += n;
    produce(rkt, buf, n, key, klen);
    // W4: UPDATES updates spread over the clicks, each just after its click in time (ts + 3 ms):
    // after click i, floor((i+1)*UPDATES/RECORDS) of them are due.
    long due = w4 ? static_cast<long>((static_cast<__int128>(i + 1) * updates) / records) : 0;
    while (updates_done < due) {
      ++updates_done;
      long v = static_cast<long>(urng() % users);
      if (last_update[v] == ts + 3) continue;  // already updated at this time: skip (no ties)
      region[v] = static_cast<int>((region[v] + 1 + urng() % 7) % 8);
      user_row(v, ts + 3);
    }
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
  if (w4) ref << "w4_user_records " << user_records << "\n" << "w4_user_bytes " << user_bytes << "\n";
  std::printf("clickgen: %ld records (+%d sentinels), %.1f MB, avg %.0f bytes, in %.1f s; "
              "w1 %ld, users %ld, sessions %ld\n",
              records, partitions, bytes_total / 1e6, double(bytes_total) / records, secs, w1,
              active, sessions);
  if (w4) std::printf("clickgen: %ld user records (%ld users + %ld updates) to %s\n", user_records, users,
                      user_records - users, argv[8]);
  if (urkt) rd_kafka_topic_destroy(urkt);
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

// The string after "field": (no escapes needed for our outputs); false if absent or not a string.
bool str_field(const char* p, size_t n, const char* field, std::string* out) {
  std::string pat = std::string("\"") + field + "\":";
  std::string_view s(p, n);
  size_t at = s.find(pat);
  if (at == std::string_view::npos) return false;
  at += pat.size();
  while (at < s.size() && s[at] == ' ') ++at;
  if (at >= s.size() || s[at] != '"') return false;
  size_t end = s.find('"', at + 1);
  if (end == std::string_view::npos) return false;
  *out = std::string(s.substr(at + 1, end - at - 1));
  return true;
}

// W4: every click joined with a version of its user (see the header). ALL: Spark's rows, one per
// (click, version at or before the click), instead of one per click.
int check_w4(const std::string& brokers, const std::string& topic, const std::string& refdir, bool all) {
  const char* w = all ? "w4all" : "w4";
  struct Version {
    int64_t at;
    std::string region;
  };
  std::unordered_map<std::string, std::vector<Version>> versions;  // in time order (as generated)
  {
    std::ifstream in(refdir + "/w4_versions.txt");
    std::string u, r;
    int64_t at;
    while (in >> u >> at >> r) versions[u].push_back({at, r});
    if (versions.empty()) die("no w4_versions.txt in " + refdir + " (clickgen gen without USERS_TOPIC?)");
  }
  // A click is (user, ts, url, bytes); its value: how many such clicks there are, and how many
  // rows matched them.
  std::unordered_map<std::string, std::pair<long, long>> clicks;
  long nclicks = 0, expected_rows = 0;
  auto versions_at = [&](const std::string& u, int64_t ts) -> long {  // versions at or before ts
    auto it = versions.find(u);
    if (it == versions.end()) return 0;
    long k = 0;
    for (auto& v : it->second) k += v.at <= ts;
    return k;
  };
  {
    std::ifstream in(refdir + "/w4_clicks.txt");
    std::string u, url;
    int64_t ts;
    long bytes;
    while (in >> u >> ts >> url >> bytes) {
      ++nclicks;
      ++clicks[u + ' ' + std::to_string(ts) + ' ' + url + ' ' + std::to_string(bytes)].first;
      if (all) expected_rows += versions_at(u, ts);
    }
  }
  if (!all) expected_rows = nclicks;
  long rows = 0, sentinels = 0, malformed = 0, unknown_click = 0, duplicate = 0, bogus = 0, future = 0,
       current = 0, stale = 0;
  std::string example;
  auto note = [&](const std::string& e) {
    if (example.empty()) example = e;
  };
  std::unordered_map<std::string, int> pairs;  // w4all: (click, version) seen
  bench::for_each_record(brokers, "clickgen-check", topic, [&](const rd_kafka_message_t& m) {
    const char* val = static_cast<const char*>(m.payload);
    std::string user, url, region;
    long bytes = 0, ts = 0, updated = 0;
    if (!str_field(val, m.len, "user", &user) && m.key) user.assign(static_cast<const char*>(m.key), m.key_len);
    if (!user.empty() && user[0] == '~') {
      ++sentinels;
      return;
    }
    ++rows;
    std::string text(val, m.len);
    if (!str_field(val, m.len, "url", &url) || !int_field(val, m.len, "bytes", &bytes) ||
        !int_field(val, m.len, "ts", &ts) || !str_field(val, m.len, "region", &region) ||
        !int_field(val, m.len, "updated", &updated)) {
      ++malformed;
      note("malformed or without region/updated: " + text);
      return;
    }
    std::string ck = user + ' ' + std::to_string(ts) + ' ' + url + ' ' + std::to_string(bytes);
    auto c = clicks.find(ck);
    if (c == clicks.end()) {
      ++unknown_click;
      note("no such click: " + text);
      return;
    }
    if (!all && ++c->second.second > c->second.first) {
      ++duplicate;
      note("click twice: " + text);
      return;
    }
    if (all && ++pairs[ck + ' ' + std::to_string(updated)] > c->second.first) {
      ++duplicate;
      note("pair twice: " + text);
      return;
    }
    const auto& vs = versions[user];
    const Version* v = nullptr;
    const Version* asof = nullptr;
    for (auto& x : vs) {
      if (x.at == updated && x.region == region) v = &x;
      if (x.at <= ts) asof = &x;
    }
    if (!v) {
      ++bogus;
      note("no version of " + user + " with updated " + std::to_string(updated) + " and region " + region + ": " + text);
    } else if (v->at > ts) {
      ++future;
      note("version from the click's future (updated " + std::to_string(updated) + " > ts " + std::to_string(ts) +
           "): " + text);
    } else if (v == asof) {
      ++current;
    } else {
      ++stale;
    }
  });
  long matched = 0;
  for (auto& [k, c] : clicks) matched += std::min(c.first, c.second);
  long missing = all ? expected_rows - (rows - malformed - unknown_click - duplicate) : nclicks - matched;
  if (!all && missing) {
    for (auto& [k, c] : clicks)
      if (c.second < c.first) {
        note("click missing: " + k);
        break;
      }
  }
  bool ok = malformed == 0 && unknown_click == 0 && duplicate == 0 && bogus == 0 && future == 0 && missing == 0;
  char msg[1024];
  if (!all) {
    std::snprintf(msg, sizeof msg,
                  "%ld records out for %ld clicks: %ld missing, %ld twice, %ld unknown, %ld malformed; "
                  "region of a version from the click's future %ld, of no version %ld; "
                  "the version current at the click's time %ld (%.2f%%), an older one %ld",
                  rows, nclicks, missing, duplicate, unknown_click, malformed, future, bogus, current,
                  nclicks ? 100.0 * current / nclicks : 0.0, stale);
  } else {
    std::snprintf(msg, sizeof msg,
                  "%ld records out, reference %ld (click, version at or before it) pairs for %ld clicks: "
                  "%ld missing, %ld twice, %ld unknown, %ld malformed, future %ld, no version %ld; "
                  "rows with the current version %ld, with an older one %ld",
                  rows, expected_rows, nclicks, missing, duplicate, unknown_click, malformed, future, bogus,
                  current, stale);
  }
  std::printf("check %s: %s %s (%ld sentinel records ignored)%s%s\n", w, ok ? "ok" : "FAILED", msg, sentinels,
              example.empty() ? "" : "; e.g. ", example.c_str());
  return ok ? 0 : 1;
}

int check(int argc, char** argv) {
  if (argc != 6) die("usage: clickgen check BROKERS TOPIC WORKLOAD REFDIR");
  std::string brokers = argv[2], topic = argv[3], w = argv[4], refdir = argv[5];
  if (w == "w4" || w == "w4all") return check_w4(brokers, topic, refdir, w == "w4all");
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
  // Kept whatever their records' timestamps: Kafka Streams and Spark stamp their outputs with the
  // event time (2026-01-01 in these inputs), and the broker's 7-day retention deleted such
  // segments at its next check (every 5 minutes), so outputs went missing at random.
  if (rd_kafka_NewTopic_set_config(nt, "retention.ms", "-1")) die("cannot set retention.ms");
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

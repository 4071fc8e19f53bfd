// bench/nexmark/nexmarkgen.cpp — the Nexmark benchmark's events: persons, auctions and bids.
//
//   nexmarkgen files EVENTS DIR [--rate R] [--seed S]
//       Writes the first EVENTS events as JSON lines: DIR/person.jsonl, DIR/auction.jsonl,
//       DIR/bid.jsonl (fixtures, and the reference's input).
//   nexmarkgen kafka BROKERS PARTITIONS EVENTS DIR [--rate R] [--seed S]
//       Produces the same events to the topics nexmark-person (keyed by id), nexmark-auction
//       (keyed by id) and nexmark-bid (keyed by auction), partitioned like Java's producer
//       (murmur2), writes them to DIR as `files` does, then one sentinel bid per partition of
//       nexmark-bid (auction 0, bidder 0, price 0, 60 s after the last event), which moves every
//       partition's watermark past every window and session of the real events so that systems
//       closing windows on event time (flow) close them all. DIR/meta.txt records the counts and
//       the sentinels' time: the checker ignores outputs of the sentinels.
//   nexmarkgen dump BROKERS TOPIC FILE
//       Reads TOPIC from the beginning to its end and writes each record's value as a line of
//       FILE (a system's output, for check.py). Prints the number of records.
//
// What the events follow (the Nexmark specification as Beam's and Flink's Nexmark generators
// implement it; this is a fresh implementation, not a port): event number n (from 0) is a person
// when n % 50 == 0, an auction when n % 50 is 1..3, else a bid (1 : 3 : 46). Ids start at 1000.
// Its time is BASE + n * 1e6 / R µs, truncated to ms (R events per second of event time, 10,000
// by default as in Beam's firstEventRate). An auction's seller and a bid's bidder are a "hot"
// person (the first of the newest block of 100) with probability 3/4 (hot ratio 4), else one of
// the last 1,000 persons (or up to 10 ahead); a bid's auction is hot (the first of the newest
// block of 100 auctions) with probability 1/2 (hot ratio 2), else one of the last 100 auctions
// in flight (or up to 10 ahead). Prices are round(10^(6u) * 100) for u uniform in [0, 1); an
// auction's reserve is its initial bid plus another such price; it expires after a random length
// of up to twice the time 100 auctions take to be created. A bid's channel is one of four hot
// channels (with their url) 99 times in 100, else "channel-K" of 10,000. `extra` pads each event
// to an average size (persons 200 bytes, auctions 500, bids 100) with random letters.
//
// Deterministic: every event draws from its own generator, seeded by the seed (--seed, 42) and the
// event number, so the same arguments give the same events in every mode.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../peers/bench_kafka.hpp"

namespace {

using bench::die;
using bench::make;

constexpr int64_t kFirstPersonId = 1000;
constexpr int64_t kFirstAuctionId = 1000;
constexpr int64_t kFirstCategoryId = 10;
constexpr int64_t kNumCategories = 5;
constexpr int64_t kPersonProportion = 1;
constexpr int64_t kAuctionProportion = 3;
constexpr int64_t kTotalProportion = 50;  // the rest are bids: 46
constexpr int64_t kActivePeople = 1000;
constexpr int64_t kPersonIdLead = 10;
constexpr int64_t kInFlightAuctions = 100;
constexpr int64_t kAuctionIdLead = 10;
constexpr int64_t kHotAuctionRatio = 2;  // a bid's auction is hot unless nextInt(2) == 0
constexpr int64_t kHotSellersRatio = 4;
constexpr int64_t kHotBiddersRatio = 4;
constexpr int64_t kHotBlock = 100;  // hot auctions/sellers/bidders: the first of each block of 100
constexpr int64_t kHotChannelsRatio = 100;
constexpr int64_t kChannels = 10000;
constexpr int kPersonSize = 200, kAuctionSize = 500, kBidSize = 100;
constexpr int64_t kBaseTimeMs = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kFirstNames[] = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter",
                             "Walter"};
const char* kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
const char* kCities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend",
                         "Redmond", "Seattle", "Kent", "Cheyenne"};
const char* kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
const char* kHotChannels[] = {"Google", "Facebook", "Baidu", "Apple"};
const char* kHotUrls[] = {"https://www.nexmark.com/google/item.htm?query=1",
                          "https://www.nexmark.com/facebook/item.htm?query=1",
                          "https://www.nexmark.com/baidu/item.htm?query=1",
                          "https://www.nexmark.com/apple/item.htm?query=1"};

//! splitmix64: a small, fast generator; one per event, seeded by the seed and the event number.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

struct Config {
  double rate = 10000;  // events per second of event time
  uint64_t seed = 42;
};

int64_t time_of(const Config& c, int64_t n) {
  return kBaseTimeMs + static_cast<int64_t>(static_cast<double>(n) * 1000.0 / c.rate);
}

// Base-0 ids of the newest person and auction created at or before event n.
int64_t last_person(int64_t n) {
  int64_t epoch = n / kTotalProportion, offset = n % kTotalProportion;
  return epoch * kPersonProportion + std::min(offset, kPersonProportion - 1);
}
int64_t last_auction(int64_t n) {
  int64_t epoch = n / kTotalProportion, offset = n % kTotalProportion;
  if (offset < kPersonProportion) return epoch * kAuctionProportion - 1;  // -1 before the first
  offset = std::min(offset - kPersonProportion, kAuctionProportion - 1);
  return epoch * kAuctionProportion + offset;
}
int64_t some_person(Rng& r, int64_t n) {
  int64_t people = last_person(n) + 1;
  int64_t active = std::min(people, kActivePeople);
  return people - active + r.below(active + kPersonIdLead);
}
int64_t some_auction(Rng& r, int64_t n) {
  int64_t newest = std::max<int64_t>(last_auction(n), 0);
  int64_t oldest = std::max<int64_t>(newest - kInFlightAuctions, 0);
  return oldest + r.below(newest - oldest + 1 + kAuctionIdLead);
}
int64_t price(Rng& r) { return std::llround(std::pow(10.0, r.unit() * 6.0) * 100.0); }

void letters(Rng& r, int len, std::string& out) {  // lowercase words separated by spaces
  for (int i = 0; i < len; ++i) out += (i > 0 && r.below(13) == 0) ? ' ' : static_cast<char>('a' + r.below(26));
}
void word(Rng& r, int max_len, std::string& out) { letters(r, 3 + static_cast<int>(r.below(max_len - 2)), out); }
// `extra`: the letters that bring an event of `size` bytes to about `average` (±20 %).
void extra(Rng& r, size_t size, int average, std::string& out) {
  if (static_cast<int>(size) >= average) return;
  int want = average - static_cast<int>(size);
  int delta = static_cast<int>(std::lround(want * 0.2));
  letters(r, want - delta + static_cast<int>(r.below(2 * delta + 1)), out);
}

enum class Kind { person, auction, bid };

Kind kind_of(int64_t n) {
  int64_t offset = n % kTotalProportion;
  if (offset < kPersonProportion) return Kind::person;
  if (offset < kPersonProportion + kAuctionProportion) return Kind::auction;
  return Kind::bid;
}

//! Writes event n's JSON into `json` and its key into `key`; returns its kind.
Kind event(const Config& c, int64_t n, std::string& json, std::string& key) {
  Rng r{c.seed * 0x2545F4914F6CDD1Dull + static_cast<uint64_t>(n)};
  r.next();
  int64_t ts = time_of(c, n);
  json.clear();
  std::string tail;
  char buf[256];
  Kind kind = kind_of(n);
  switch (kind) {
    case Kind::person: {
      int64_t id = last_person(n) + kFirstPersonId;
      key = std::to_string(id);
      std::snprintf(buf, sizeof buf, "{\"id\":%" PRId64 ",\"name\":\"%s %s\",\"emailAddress\":\"", id,
                    kFirstNames[r.below(11)], kLastNames[r.below(9)]);
      json += buf;
      word(r, 7, json);
      json += '@';
      word(r, 5, json);
      std::snprintf(buf, sizeof buf, ".com\",\"creditCard\":\"%04d %04d %04d %04d\",\"city\":\"%s\",\"state\":\"%s\",\"dateTime\":%" PRId64 ",\"extra\":\"",
                    static_cast<int>(r.below(10000)), static_cast<int>(r.below(10000)),
                    static_cast<int>(r.below(10000)), static_cast<int>(r.below(10000)), kCities[r.below(10)],
                    kStates[r.below(6)], ts);
      json += buf;
      extra(r, json.size() + 2, kPersonSize, json);
      break;
    }
    case Kind::auction: {
      int64_t id = last_auction(n) + kFirstAuctionId;
      key = std::to_string(id);
      int64_t seller = r.below(kHotSellersRatio) > 0 ? (last_person(n) / kHotBlock) * kHotBlock : some_person(r, n);
      seller += kFirstPersonId;
      int64_t category = kFirstCategoryId + r.below(kNumCategories);
      int64_t initial = price(r);
      int64_t reserve = initial + price(r);
      // An auction lasts up to twice the time the next 100 auctions take to be created.
      int64_t horizon = time_of(c, n + kInFlightAuctions * kTotalProportion / kAuctionProportion) - ts;
      int64_t expires = ts + 1 + r.below(std::max<int64_t>(horizon * 2, 1));
      std::snprintf(buf, sizeof buf, "{\"id\":%" PRId64 ",\"itemName\":\"", id);
      json += buf;
      word(r, 20, json);
      json += "\",\"description\":\"";
      word(r, 100, json);
      std::snprintf(buf, sizeof buf, "\",\"initialBid\":%" PRId64 ",\"reserve\":%" PRId64 ",\"dateTime\":%" PRId64
                    ",\"expires\":%" PRId64 ",\"seller\":%" PRId64 ",\"category\":%" PRId64 ",\"extra\":\"",
                    initial, reserve, ts, expires, seller, category);
      json += buf;
      extra(r, json.size() + 2, kAuctionSize, json);
      break;
    }
    case Kind::bid: {
      int64_t auction = r.below(kHotAuctionRatio) > 0 ? (last_auction(n) / kHotBlock) * kHotBlock
                                                      : some_auction(r, n);
      auction += kFirstAuctionId;
      int64_t bidder = r.below(kHotBiddersRatio) > 0 ? (last_person(n) / kHotBlock) * kHotBlock + 1
                                                     : some_person(r, n);
      bidder += kFirstPersonId;
      int64_t p = price(r);
      key = std::to_string(auction);
      std::string channel, url;
      if (r.below(kHotChannelsRatio) > 0) {
        int64_t h = r.below(4);
        channel = kHotChannels[h];
        url = kHotUrls[h];
      } else {
        channel = "channel-" + std::to_string(r.below(kChannels));
        url = "https://www.nexmark.com/";
        word(r, 5, url);
        url += "/item.htm?query=1&channel_id=" + std::to_string(r.below(kChannels));
      }
      std::snprintf(buf, sizeof buf,
                    "{\"auction\":%" PRId64 ",\"bidder\":%" PRId64 ",\"price\":%" PRId64 ",\"channel\":\"", auction,
                    bidder, p);
      json += buf;
      json += channel;
      json += "\",\"url\":\"";
      json += url;
      std::snprintf(buf, sizeof buf, "\",\"dateTime\":%" PRId64 ",\"extra\":\"", ts);
      json += buf;
      extra(r, json.size() + 2, kBidSize, json);
      break;
    }
  }
  json += "\"}";
  return kind;
}

const char* kNames[] = {"person", "auction", "bid"};

Config options(int argc, char** argv, int first) {
  Config c;
  for (int i = first; i < argc; i += 2) {
    if (i + 1 >= argc) die(std::string("missing value after ") + argv[i]);
    if (std::strcmp(argv[i], "--rate") == 0) c.rate = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seed") == 0) c.seed = std::strtoull(argv[i + 1], nullptr, 10);
    else die(std::string("unknown option ") + argv[i]);
  }
  if (!(c.rate > 0)) die("--rate must be a positive number of events per second");
  return c;
}

int generate(const Config& c, int64_t events, const std::string& dir, const std::string& brokers, int partitions) {
  std::ofstream files[3];
  for (int k = 0; k < 3; ++k) {
    files[k].open(dir + "/" + kNames[k] + ".jsonl");
    if (!files[k]) die("cannot write " + dir + "/" + kNames[k] + ".jsonl");
  }
  rd_kafka_t* rk = nullptr;
  rd_kafka_topic_t* topics[3] = {};
  if (!brokers.empty()) {
    rk = make(RD_KAFKA_PRODUCER, brokers,
              {{"partitioner", "murmur2_random"},
               {"linger.ms", "50"},
               {"batch.size", "1000000"},
               {"queue.buffering.max.kbytes", "1048576"},
               {"enable.idempotence", "true"}});
    for (int k = 0; k < 3; ++k) topics[k] = rd_kafka_topic_new(rk, (std::string("nexmark-") + kNames[k]).c_str(), nullptr);
  }
  auto produce = [&](int k, int32_t partition, const std::string& json, const std::string& key) {
    while (rd_kafka_produce(topics[k], partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(json.data()), json.size(),
                            key.data(), key.size(), nullptr) != 0) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(rd_kafka_err2str(rd_kafka_last_error()));
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  };
  std::string json, key;
  int64_t counts[3] = {}, bytes[3] = {};
  for (int64_t n = 0; n < events; ++n) {
    int k = static_cast<int>(event(c, n, json, key));
    ++counts[k];
    bytes[k] += static_cast<int64_t>(json.size());
    files[k] << json << '\n';
    if (rk) produce(k, RD_KAFKA_PARTITION_UA, json, key);
  }
  int64_t last_ts = events > 0 ? time_of(c, events - 1) : kBaseTimeMs;
  int64_t sentinel_ts = last_ts + 60000;
  if (rk) {
    for (int p = 0; p < partitions; ++p) {
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "{\"auction\":0,\"bidder\":0,\"price\":0,\"channel\":\"sentinel\",\"url\":\"\",\"dateTime\":%" PRId64
                    ",\"extra\":\"\"}",
                    sentinel_ts);
      produce(2, p, buf, "0");
    }
    if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
    for (auto* t : topics) rd_kafka_topic_destroy(t);
    rd_kafka_destroy(rk);
  }
  std::ofstream meta(dir + "/meta.txt");
  meta << "events " << events << "\n"
       << "persons " << counts[0] << "\nauctions " << counts[1] << "\nbids " << counts[2] << "\n"
       << "bytes " << bytes[0] + bytes[1] + bytes[2] << "\n"
       << "bid_bytes " << bytes[2] << "\n"
       << "first_ms " << kBaseTimeMs << "\nlast_ms " << last_ts << "\n"
       << "sentinels " << (rk ? partitions : 0) << "\nsentinel_ms " << sentinel_ts << "\n";
  std::printf("nexmarkgen: %" PRId64 " events: %" PRId64 " persons, %" PRId64 " auctions, %" PRId64
              " bids (avg %.0f bytes), %.1f s of event time%s\n",
              events, counts[0], counts[1], counts[2], counts[2] ? double(bytes[2]) / counts[2] : 0.0,
              (last_ts - kBaseTimeMs) / 1000.0, brokers.empty() ? "" : ", + a sentinel bid per partition");
  return 0;
}

int dump(const std::string& brokers, const std::string& topic, const std::string& file) {
  std::ofstream out(file);
  if (!out) die("cannot write " + file);
  long total = 0;
  bench::for_each_record(brokers, "nexmarkgen-dump", topic, [&](const rd_kafka_message_t& m) {
    out.write(static_cast<const char*>(m.payload), static_cast<std::streamsize>(m.len));
    out << '\n';
    ++total;
  });
  std::printf("%ld\n", total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::tool = "nexmarkgen";
  if (argc >= 4 && std::strcmp(argv[1], "files") == 0)
    return generate(options(argc, argv, 4), std::atoll(argv[2]), argv[3], "", 0);
  if (argc >= 6 && std::strcmp(argv[1], "kafka") == 0)
    return generate(options(argc, argv, 6), std::atoll(argv[4]), argv[5], argv[2], std::atoi(argv[3]));
  if (argc == 5 && std::strcmp(argv[1], "dump") == 0) return dump(argv[2], argv[3], argv[4]);
  die("usage: nexmarkgen files EVENTS DIR [--rate R] [--seed S] | kafka BROKERS PARTITIONS EVENTS DIR [--rate R] "
      "[--seed S] | dump BROKERS TOPIC FILE");
}

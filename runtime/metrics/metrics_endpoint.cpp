// The Prometheus endpoint of a running job (metrics_endpoint.hpp). Names and labels follow
// Prometheus' conventions: a `flow_` prefix, base units (seconds, bytes), `_total` on counters,
// labels of bounded cardinality only (query, source, topic, partition, metric), never keys.
#include "runtime/metrics/metrics_endpoint.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <chrono>
#include <thread>


namespace flow::runtime {

namespace plan = compiler::plan;

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

MetricFamily family(std::string name, std::string help, MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

//! One sample of a counter or gauge family.
void add(MetricFamily& family, Labels labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  (family.type == MetricType::Counter ? metric.counter.value : metric.gauge.value) = value;
  family.metric.push_back(std::move(metric));
}

void add_histogram(MetricFamily& family, Labels labels, const DurationHistogram::Totals& totals) {
  ClientMetric metric;
  metric.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < DurationHistogram::kBounds.size(); ++i) {
    cumulative += totals.counts[i];
    metric.histogram.bucket.push_back({cumulative, DurationHistogram::kBounds[i]});
  }
  cumulative += totals.counts.back();
  metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = cumulative;
  metric.histogram.sample_sum = totals.sum_seconds;
  family.metric.push_back(std::move(metric));
}

MetricFamily histogram(std::string name, std::string help, const DurationHistogram& durations) {
  MetricFamily result = family(std::move(name), std::move(help), MetricType::Histogram);
  DurationHistogram::Totals totals;
  totals.add(durations);
  add_histogram(result, {}, totals);
  return result;
}

class JobCollector : public prometheus::Collectable {
 public:
  explicit JobCollector(const Job& job) : job_(job) {}

  std::vector<MetricFamily> Collect() const override {
    const compiler::physical::PhysicalPlan& p = job_.plan();
    std::vector<MetricFamily> families;

    MetricFamily in = family("flow_records_in_total", "Records a query read, per source", MetricType::Counter);
    MetricFamily out = family("flow_records_out_total", "Records a query wrote to its sink", MetricType::Counter);
    MetricFamily late = family("flow_records_late_total",
                               "Records a query dropped as late, per source (rows a later stage dropped: no source)",
                               MetricType::Counter);
    MetricFamily late_kept = family("flow_records_late_written_total",
                                    "Of the late records, those written to their source's late topic",
                                    MetricType::Counter);
    MetricFamily keys = family("flow_state_keys", "Keys held in a query's state stores", MetricType::Gauge);
    MetricFamily latency = family("flow_end_to_end_latency_seconds",
                                  "A query's outputs: the wall clock when written minus the event time they carry",
                                  MetricType::Histogram);
    for (size_t q = 0; q < p.queries.size(); ++q) {
      const std::string& query = p.queries[q].name;
      const auto& sources = job_.plan().queries[q].sources;
      for (size_t i = 0; i < sources.size(); ++i) {
        const std::string& source = p.sources[sources[i]].name;
        add(in, {{"query", query}, {"source", source}}, static_cast<double>(job_.source_records_in(sources[i])));
        add(late, {{"query", query}, {"source", source}}, static_cast<double>(job_.source_late(q, i)));
      }
      // Rows a stage after the first dropped are no source's records: one series without `source`,
      // so that `sum by (query)` is every record the query dropped as late.
      if (job_.plan().queries[q].stages.size() > 1)
        add(late, {{"query", query}}, static_cast<double>(job_.later_stage_late(q)));
      add(out, {{"query", query}}, static_cast<double>(job_.query_records_out(q)));
      if (job_.has_late_topic(q)) add(late_kept, {{"query", query}}, static_cast<double>(job_.late_kept(q)));
      add(keys, {{"query", query}}, static_cast<double>(job_.state_keys(q)));
      add_histogram(latency, {{"query", query}}, job_.end_to_end_latency(q));
    }

    MetricFamily dead = family("flow_records_dead_lettered_total",
                               "Records of a source that failed to decode: to its dead-letter topic, or reported",
                               MetricType::Counter);
    MetricFamily watermark = family("flow_watermark_seconds",
                                    "A source's watermark (event time up to which it is complete), Unix seconds",
                                    MetricType::Gauge);
    for (size_t s = 0; s < p.sources.size(); ++s) {
      add(dead, {{"source", p.sources[s].name}}, static_cast<double>(job_.source_dead_lettered(s)));
      int64_t mark = job_.source_watermark(s);
      if (mark != INT64_MIN && mark != INT64_MAX)
        add(watermark, {{"source", p.sources[s].name}}, static_cast<double>(mark) / 1000.0);
    }

    MetricFamily lag = family("flow_consumer_lag_records",
                              "Records in a source partition not read yet (from the consumer's last fetched high "
                              "watermark)",
                              MetricType::Gauge);
    for (const Job::PartitionLag& partition : job_.partition_lags())
      add(lag, {{"topic", p.sources[partition.source].topic}, {"partition", std::to_string(partition.partition)}},
                static_cast<double>(partition.lag));

    MetricFamily bytes = family("flow_state_bytes", "Bytes of a state store's keys and values (a task's, or one the "
                                "query's tasks share)",
                                MetricType::Gauge);
    MetricFamily cache = family("flow_state_cache_bytes",
                                "Memory a state store's cache of committed entries takes, as allocated (within "
                                "--state-cache-mb)",
                                MetricType::Gauge);
    MetricFamily misses = family("flow_state_cache_misses_total",
                                 "Reads a state store's cache could not answer: LevelDB was asked", MetricType::Counter);
    MetricFamily restored = family("flow_state_restored_records",
                                   "Records a state store was restored from at launch, read from its changelog "
                                   "topic (0: its state directory held its state)",
                                   MetricType::Gauge);
    MetricFamily restore_time = family("flow_state_restore_seconds",
                                       "How long restoring a state store from its changelog at launch took",
                                       MetricType::Gauge);
    for (const Job::StoreStats& store : job_.store_stats()) {
      add(bytes, {{"store", store.name}}, static_cast<double>(store.bytes));
      add(cache, {{"store", store.name}}, static_cast<double>(store.cache_bytes));
      add(misses, {{"store", store.name}}, static_cast<double>(store.cache_misses));
      add(restored, {{"store", store.name}}, static_cast<double>(store.restored_records));
      add(restore_time, {{"store", store.name}}, store.restore_seconds);
    }

    MetricFamily metrics = family("flow_metric_total", "The program's own metrics (`metric NAME;`, counted by `tally`)",
                                  MetricType::Counter);
    for (size_t m = 0; m < p.metrics.size(); ++m)
      add(metrics, {{"metric", p.metrics[m].name}}, static_cast<double>(job_.metric(m)));

    for (MetricFamily* f :
         {&in, &out, &dead, &late, &late_kept, &lag, &watermark, &keys, &bytes, &cache, &misses, &restored,
          &restore_time, &metrics, &latency})
      if (!f->metric.empty()) families.push_back(std::move(*f));
    families.push_back(histogram("flow_trigger_duration_seconds",
                                 "Triggers that read records: reading, processing, state and checkpoint",
                                 job_.trigger_durations()));
    families.push_back(histogram("flow_commit_duration_seconds",
                                 "Checkpoints: waiting for the outputs' acknowledgements, then writing the stores",
                                 job_.commit_durations()));
    return families;
  }

 private:
  const Job& job_;
};

}  // namespace

std::unique_ptr<MetricsEndpoint> MetricsEndpoint::start(const std::string& address, const Job& job,
                                                        std::string& error) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  try {
    // One serving thread: a scrape is small, and a second would only take a core from the tasks.
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    error = fmt::format("cannot serve metrics on {}: {}", address, e.what());
    return nullptr;
  }
  endpoint->host_ = address.substr(0, address.rfind(':'));
  endpoint->collector_ = std::make_shared<JobCollector>(job);
  endpoint->exposer_->RegisterCollectable(endpoint->collector_);
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  // The server's thread stops before the collector (and the job it reads) can go. civetweb's
  // listening thread notices the stop only when its poll returns — after 2 s without a
  // connection — so connections to the port wake it meanwhile: a stop takes milliseconds.
  if (!exposer_) return;  // it never listened (start failed)
  std::atomic<bool> stopped{false};
  int port = this->port();  // read before the exposer goes: the waker must not touch it
  std::thread waker([&stopped, port, host = host_] {
    while (!stopped.load()) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) break;
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(port));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 || address.sin_addr.s_addr == htonl(INADDR_ANY))
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
      close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  exposer_.reset();
  stopped.store(true);
  waker.join();
}

int MetricsEndpoint::port() const {
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace flow::runtime
